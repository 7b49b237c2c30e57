package billing

// kthLargest returns the value that v sorted descending holds at index k,
// or 0 when v has no more than k values: the billed sample of a month's
// 95th percentile (k = the samples dropped). It reorders v.
//
// Hand-written: the standard library sorts but does not select, and
// sorting every customer's 8,928 sums twice was a tenth of a bill list's
// time; selection (quickselect, Hoare's partition around the median of
// three) does the same in linear time.
func kthLargest(v []uint64, k int) uint64 {
	if k < 0 || len(v) <= k {
		return 0
	}
	lo, hi := 0, len(v)-1
	for lo < hi {
		// Descending: values larger than the pivot go left.
		mid := lo + (hi-lo)/2
		if v[mid] > v[lo] {
			v[mid], v[lo] = v[lo], v[mid]
		}
		if v[hi] > v[lo] {
			v[hi], v[lo] = v[lo], v[hi]
		}
		if v[mid] < v[hi] {
			v[mid], v[hi] = v[hi], v[mid]
		}
		pivot := v[hi] // the median of the three
		i, j := lo, hi
		for i <= j {
			for v[i] > pivot {
				i++
			}
			for v[j] < pivot {
				j--
			}
			if i <= j {
				v[i], v[j] = v[j], v[i]
				i++
				j--
			}
		}
		switch {
		case k <= j:
			hi = j
		case k >= i:
			lo = i
		default:
			return v[k]
		}
	}
	return v[k]
}
