package evaluator

import (
	"strconv"
	"strings"
)

// suggest returns the name of names nearest to got, for a "did you mean"
// hint: a name equal to got but for case wins; otherwise the name at the
// smallest edit distance, if that distance is at most a third of got's
// length (at least 1) and no other name is as near. It returns "" when
// nothing is near enough. Names are taken from the ruleset document or
// from this package, never from an evaluation context.
func suggest(got string, names []string) string {
	for _, n := range names {
		if strings.EqualFold(n, got) && n != got {
			return n
		}
	}
	limit := max(len([]rune(got))/3, 1)
	best, bestDist, tie := "", limit+1, false
	for _, n := range names {
		d := editDistance(strings.ToLower(got), strings.ToLower(n))
		switch {
		case d < bestDist:
			best, bestDist, tie = n, d, false
		case d == bestDist:
			tie = true
		}
	}
	if best == "" || tie || best == got {
		return ""
	}
	return best
}

// unknownName words the error for a name not among names: `unknown what
// "got"; fix`, and with a near name `unknown what "got"; did you mean
// "name"? (fix)`.
func unknownName(what, got string, names []string, fix string) string {
	if hint := didYouMean(got, names); hint != "" {
		// The suggestion first: it is the fix a reader wants.
		return "unknown " + what + " " + strconv.Quote(got) + hint + " (" + fix + ")"
	}
	return "unknown " + what + " " + strconv.Quote(got) + "; " + fix
}

// didYouMean is `; did you mean "name"?` for the name of names nearest to
// got, or "" when none is near.
func didYouMean(got string, names []string) string {
	if s := suggest(got, names); s != "" {
		return "; did you mean " + strconv.Quote(s) + "?"
	}
	return ""
}

// editDistance is the Levenshtein distance between a and b, in runes.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
