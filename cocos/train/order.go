package train

import "math/rand/v2"

// batchAt returns the indices into n items of step's batch: consecutive
// slices of a fresh permutation per epoch, both fixed by seed, so any step's
// batch is known without replaying the steps before it (a resumed run draws
// what an uninterrupted one would).
func batchAt(n, batch int, seed uint64, step int) []int {
	out := make([]int, 0, batch)
	var perm []int
	epoch := -1
	for pos := step * batch; len(out) < batch; pos++ {
		if pos/n != epoch {
			epoch = pos / n
			perm = rand.New(rand.NewPCG(seed, uint64(epoch))).Perm(n)
		}
		out = append(out, perm[pos%n])
	}
	return out
}

// stepSeed is the sampling seed of a step: distinct per step and run seed.
func stepSeed(seed uint64, step int) uint64 { return seed<<32 ^ uint64(step)*0x9e3779b97f4a7c15 }
