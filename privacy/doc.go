// Package privacy redacts evaluation contexts before they leave the
// process, in telemetry events and in logs. It imports only the standard
// library and knows nothing of HTTP or OpenFeature.
//
// A Policy holds the provider-wide rules: a list of private attribute names
// and JSON Pointers, and a switch that makes every attribute private. Each
// context may add its own list under "privateAttributes". Private
// attributes are still used for evaluation; Policy.Redact produces the form
// of a context that may be sent, and the slog helpers (Policy.ReplaceAttr,
// NewHandler, Context) keep private values out of log lines. Policy.Redact
// parses the Policy's names and pointers on every call; NewRedactor parses
// them once into a Redactor whose Redact gives the same result, for code
// that redacts many contexts with one Policy (the provider's telemetry
// does).
//
// # What leaves the process
//
// Redact takes a context in OpenFeature's flattened shape (map[string]any
// with the targeting key under "targetingKey") and returns a new map:
//
//   - An anonymous context, one whose "anonymous" is the bool true, becomes
//     exactly {"anonymous": true}: no targeting key, no attributes, no
//     "_meta". (The string "true" is not anonymous.)
//   - With AllAttributesPrivate, only "targetingKey" and "anonymous" are
//     kept, as they are, plus "_meta" listing the top-level name of every
//     other attribute that was removed.
//   - Otherwise every attribute is kept except the private ones. A private
//     entry without a leading "/" names a top-level attribute; one with a
//     leading "/" is an RFC 6901 JSON Pointer ("/address/street" removes
//     street from the address map and keeps the rest of it). Pointers
//     descend into maps with string keys (map[string]any, map[string]string
//     and others) and into slices and arrays by index ("/emails/1"); a
//     removed array element becomes null so that the other elements keep
//     their indexes and every listed pointer still names its position.
//     Tokens are unescaped (~1 is "/", ~0 is "~"); a "~" followed by
//     anything else is read literally rather than rejected. A top-level
//     attribute whose own name starts with "/" is named by a pointer
//     ("/~1path").
//   - "_meta": {"redactedAttributes": [...]} lists, sorted and without
//     duplicates, each private name or pointer that was present in the
//     context and removed (a key present with a null value counts as
//     present). Names that matched nothing are not listed. When nothing
//     was removed there is no "_meta".
//   - "targetingKey" and "anonymous" are never redacted by name: a private
//     name or pointer that starts with either is ignored, in both lists.
//   - "privateAttributes" is never in the result, whatever its type.
//   - "_meta" is reserved for redaction metadata. An incoming "_meta" is
//     never passed on as it is; the strings of its "redactedAttributes"
//     are merged into the new list, so redacting an already redacted
//     context changes nothing and keeps the record of what was removed.
//   - A pointer that has to go through a value Redact cannot see into,
//     one that may marshal to a JSON object or array but is not a map or a
//     slice (a struct, a non-nil pointer, a value with a MarshalJSON
//     method, a map with integer keys), removes that whole value and is
//     listed: the private member might be inside it. A pointer into a
//     string, number, bool or null matches nothing.
//   - Every other value is passed on as it is, JSON-friendly or not (a
//     time.Time is kept as a time.Time, for the caller's encoder).
//
// The context's "privateAttributes" may be a []string or a []any of
// strings; non-string elements of a []any are ignored, a lone string is a
// list of one name, and any other type is ignored. A malformed list is not
// taken to mean "everything private": that would silently empty every
// event of a service with one bad caller, and the policy's own list still
// applies.
//
// Redact never modifies its input: maps and slices on the way to a removed
// value are copied, and everything else is shared with the input, so the
// result is read-only below its top level.
//
// # Logs
//
// Policy.ReplaceAttr, for slog.HandlerOptions, and NewHandler, wrapping any
// slog.Handler, apply the same rules to log attributes. An attribute whose
// key or enclosing group is a private name, or whose path (groups, then
// key) starts with a private pointer, is logged with the value
// RedactedValue ("[REDACTED]"); its key stays. A group is redacted member
// by member, as the standard handlers call ReplaceAttr, so a group named
// private logs its members' keys with every value redacted. The built-in
// time, level, msg and source keys outside any group are never redacted
// by ReplaceAttr. A map[string]any value is
// logged in its Redact form: its own privateAttributes apply, an anonymous
// map logs as {"anonymous": true}, and AllAttributesPrivate empties it.
// AllAttributesPrivate does not redact other log attributes. Context makes
// a context log as a group in its Redact form under any handler.
//
// Values of other types are logged as they are: an attribute that is not
// named private and is not a map[string]any is not inspected, so log a
// context as a map[string]any or a Context, not as a struct or a string.
package privacy
