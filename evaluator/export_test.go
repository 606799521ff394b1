package evaluator

// LoadDirect is loadDirect, for the tests that compare it with Compile.
var LoadDirect = loadDirect
