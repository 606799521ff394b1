package privacy

// RelayoutEvery is relayoutEvery, for tests that need a context's layout
// made whatever came before it: calling AppendJSON that many times more
// than once with one context makes sure its later calls use its layout.
const RelayoutEvery = relayoutEvery
