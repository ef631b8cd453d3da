// Percolation: cluster labelling on hypercubic lattices and level-parallel Bethe-lattice growth.
// Labelling is label equivalence with pointer jumping (Kalentev et al. 2011); the fixed point — every occupied
// site labelled with the lowest site index of its cluster — is unique, so the result does not depend on the order
// in which work-items run, and equals ComputeBackend.LabelClusters on the CPU.
// Bethe growth follows Percolation/BetheGrowth.cs step by step: per BFS level (1) child counts from a counter-based
// Philox key inverted through a binomial key-threshold table, (2) an exclusive prefix sum, (3) the children.
#include "philox.cl"

#define SCAN_WG 256

__kernel void label_init(__global int* labels, const long offLabels, const int n)
{
    const int i = get_global_id(0);
    if (i >= n) return;
    labels += offLabels;
    labels[i] = labels[i] >= 0 ? i : -1;
}

// Hook: the root this site points at adopts the smallest label among the site's occupied neighbours.
__kernel void label_hook(__global int* labels, const long offLabels, __global int* changed, const long offChanged,
                         const int n, const int dimension, const int side, const int periodic)
{
    const int i = get_global_id(0);
    if (i >= n) return;
    labels += offLabels;
    const int own = labels[i];
    if (own < 0) return;
    int best = own;
    int rest = i, stride = 1;
    for (int a = 0; a < dimension; a++) {
        const int x = rest % side;
        rest /= side;
        const int down = x > 0 ? i - stride : (periodic ? i + (side - 1) * stride : -1);
        const int up = x < side - 1 ? i + stride : (periodic ? i - (side - 1) * stride : -1);
        if (down >= 0) { const int l = labels[down]; if (l >= 0 && l < best) best = l; }
        if (up >= 0) { const int l = labels[up]; if (l >= 0 && l < best) best = l; }
        stride *= side;
    }
    if (best < own) {
        atomic_min(&labels[own], best);
        changed[offChanged] = 1;
    }
}

// Jump: every site points at the end of its label chain (labels only decrease along a chain, so it ends).
__kernel void label_jump(__global int* labels, const long offLabels, const int n)
{
    const int i = get_global_id(0);
    if (i >= n) return;
    labels += offLabels;
    int l = labels[i];
    if (l < 0) return;
    int next = labels[l];
    while (next != l) { l = next; next = labels[l]; }
    labels[i] = l;
}

// Smallest k with key < thresholds[k] (thresholds ascending, thresholds[trials] = 2^53 > every key).
static inline int binomial_from_key(__global const ulong* thresholds, const int trials, const ulong key)
{
    int lo = 0, hi = trials;
    while (lo < hi) {
        const int mid = (lo + hi) >> 1;
        if (key >= thresholds[mid]) lo = mid + 1; else hi = mid;
    }
    return lo;
}

__kernel void bethe_count_children(__global int* counts, const long offCounts,
                                   __global const int* siteCluster, const long offCluster,
                                   __global const int* siteLocal, const long offLocal,
                                   __global const int* clusterSizes, const long offSizes,
                                   __global const ulong* rootThresholds, const long offRoot, const int rootTrials,
                                   __global const ulong* childThresholds, const long offChild, const int childTrials,
                                   const long levelStart, const int width, const long firstTrial, const ulong seed)
{
    const int j = get_global_id(0);
    if (j >= width) return;
    counts += offCounts;
    const int cluster = siteCluster[offCluster + levelStart + j];
    if (clusterSizes[offSizes + cluster] < 0) { counts[j] = 0; return; }
    const int bfsIndex = siteLocal[offLocal + levelStart + j];
    uint r[4];
    philox_draw(seed, (ulong)(firstTrial + cluster), (ulong)(bfsIndex >> 1), r);
    const ulong key = (bfsIndex & 1) == 0 ? (((ulong)r[0] << 21) ^ (ulong)(r[1] >> 11))
                                       : (((ulong)r[2] << 21) ^ (ulong)(r[3] >> 11));
    counts[j] = bfsIndex == 0 ? binomial_from_key(rootThresholds + offRoot, rootTrials, key)
                           : binomial_from_key(childThresholds + offChild, childTrials, key);
}

// Exclusive scan, stage 1: each group scans SCAN_WG consecutive values in place and writes its total to sums[group].
__kernel void scan_blocks(__global int* values, const long offValues, __global int* sums, const long offSums, const int n)
{
    __local int buf[SCAN_WG];
    const int lid = get_local_id(0);
    const int i = get_group_id(0) * SCAN_WG + lid;
    const int v = i < n ? values[offValues + i] : 0;
    buf[lid] = v;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int s = 1; s < SCAN_WG; s <<= 1) {          // Hillis–Steele inclusive scan
        const int add = lid >= s ? buf[lid - s] : 0;
        barrier(CLK_LOCAL_MEM_FENCE);
        buf[lid] += add;
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (i < n) values[offValues + i] = buf[lid] - v;
    if (lid == SCAN_WG - 1) sums[offSums + get_group_id(0)] = buf[lid];
}

// Stage 2 (one group): exclusive scan of the group totals in chunks of SCAN_WG with a running carry; the grand
// total goes to total[0].
__kernel void scan_sums(__global int* sums, const long offSums, const int groups, __global int* total, const long offTotal)
{
    __local int buf[SCAN_WG];
    const int lid = get_local_id(0);
    int carry = 0;
    for (int base = 0; base < groups; base += SCAN_WG) {
        const int i = base + lid;
        const int v = i < groups ? sums[offSums + i] : 0;
        buf[lid] = v;
        barrier(CLK_LOCAL_MEM_FENCE);
        for (int s = 1; s < SCAN_WG; s <<= 1) {
            const int add = lid >= s ? buf[lid - s] : 0;
            barrier(CLK_LOCAL_MEM_FENCE);
            buf[lid] += add;
            barrier(CLK_LOCAL_MEM_FENCE);
        }
        if (i < groups) sums[offSums + i] = carry + buf[lid] - v;
        carry += buf[SCAN_WG - 1];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (lid == 0) total[offTotal] = carry;
}

// Stage 3: add each group's offset.
__kernel void scan_add(__global int* values, const long offValues, __global const int* sums, const long offSums, const int n)
{
    const int i = get_global_id(0);
    if (i >= n) return;
    values[offValues + i] += sums[offSums + i / SCAN_WG];
}

// The offset of each cluster's first child in this level, written by the cluster's first site of the level.
__kernel void bethe_level_first(__global int* levelFirst, const long offFirst, __global const int* offsets, const long offOffsets,
                                __global const int* siteCluster, const long offCluster, const long levelStart, const int width)
{
    const int j = get_global_id(0);
    if (j >= width) return;
    siteCluster += offCluster + levelStart;
    const int cluster = siteCluster[j];
    if (j == 0 || siteCluster[j - 1] != cluster) levelFirst[offFirst + cluster] = offsets[offOffsets + j];
}

// Site j's children occupy [offsets[j], offsets[j+1]) of the next level; their BFS indices continue the cluster's.
__kernel void bethe_children(__global int* siteCluster, const long offCluster, __global int* siteLocal, const long offLocal,
                             __global int* siteParent, const long offParent,
                             __global const int* offsets, const long offOffsets, __global const int* levelFirst, const long offFirst,
                             __global const int* clusterSizes, const long offSizes, const long levelStart, const int width)
{
    const int j = get_global_id(0);
    if (j >= width) return;
    siteCluster += offCluster; siteLocal += offLocal; siteParent += offParent; offsets += offOffsets;
    const long site = levelStart + j;
    const int cluster = siteCluster[site], bfsIndex = siteLocal[site];
    const int from = offsets[j], to = offsets[j + 1];
    const int base = clusterSizes[offSizes + cluster] - levelFirst[offFirst + cluster];
    const long next = levelStart + width;
    for (int c = from; c < to; c++) {
        siteCluster[next + c] = cluster;
        siteLocal[next + c] = base + c;
        siteParent[next + c] = bfsIndex;
    }
}

// The cluster's last site of the level adds the cluster's level total to its size (−1 once past max-size).
__kernel void bethe_sizes(__global int* clusterSizes, const long offSizes, __global const int* levelFirst, const long offFirst,
                          __global const int* offsets, const long offOffsets, __global const int* siteCluster, const long offCluster,
                          const long levelStart, const int width, const int maxSize)
{
    const int j = get_global_id(0);
    if (j >= width) return;
    siteCluster += offCluster + levelStart;
    const int cluster = siteCluster[j];
    if (j + 1 < width && siteCluster[j + 1] == cluster) return;
    const int size = clusterSizes[offSizes + cluster];
    if (size < 0) return;
    const long grown = (long)size + offsets[offOffsets + j + 1] - levelFirst[offFirst + cluster];
    clusterSizes[offSizes + cluster] = grown > maxSize ? -1 : (int)grown;
}
