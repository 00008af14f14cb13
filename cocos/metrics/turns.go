package metrics

import "fmt"

// FromFirst are the rows turn 1 → t for t = 2 … T (T the trajectories'
// turns), each named "method t1→tT": section 8.3's cumulative reading, the
// net gain of Figure 4's line.
func FromFirst(method string, ts []Trajectory) []Row {
	var rows []Row
	for t := 2; t <= turns(ts); t++ {
		rows = append(rows, Summarize(fmt.Sprintf("%s t1→t%d", method, t), ts, 1, t))
	}
	return rows
}

// Consecutive are the rows turn t−1 → t for t = 2 … T, each named
// "method t(t−1)→tt": the pairs that Figure 4's pies and the released
// evaluation's per-turn Δi→c and Δc→i compare.
func Consecutive(method string, ts []Trajectory) []Row {
	var rows []Row
	for t := 2; t <= turns(ts); t++ {
		rows = append(rows, Summarize(fmt.Sprintf("%s t%d→t%d", method, t-1, t), ts, t-1, t))
	}
	return rows
}

// TurnRows are FromFirst and Consecutive side by side, by later turn: 1→2,
// then 1→3 and 2→3, 1→4 and 3→4, … (1→2 once): section 8.3's table.
func TurnRows(method string, ts []Trajectory) []Row {
	first, next := FromFirst(method, ts), Consecutive(method, ts)
	var rows []Row
	for i := range first {
		rows = append(rows, first[i])
		if i > 0 {
			rows = append(rows, next[i])
		}
	}
	return rows
}

// turns is the number of turns of the trajectories (0 for none).
func turns(ts []Trajectory) int {
	if len(ts) == 0 {
		return 0
	}
	return len(ts[0])
}
