// Graph-walk sampling: one work-item per walk, bit-identical to WalkTables.SampleWalk on the host
// (Philox draw (seed, walk, t/2), words 0-1 on even t and 2-3 on odd t; multiply-shift slot; r < threshold keeps).
#include "philox.cl"

static inline int multiply_shift(uint r, int size)
{
    return (int)(((ulong)r * (ulong)(uint)size) >> 32);
}

__kernel void sample_walks(__global int* tokens, const long offTokens,
                           __global const int* offsets, const long offOffsets,
                           __global const int* neighbors, const long offNeighbors,
                           __global const uint* threshold, const long offThreshold,
                           __global const int* alias, const long offAlias,
                           __global const uint* startThreshold, const long offStartThreshold,
                           __global const int* startAlias, const long offStartAlias,
                           const int nodeCount, const int length, const long firstWalk, const int count,
                           const ulong seed)
{
    const long i = get_global_id(0);
    if (i >= count) return;
    tokens += offTokens + i * length;
    offsets += offOffsets; neighbors += offNeighbors; threshold += offThreshold; alias += offAlias;
    startThreshold += offStartThreshold; startAlias += offStartAlias;

    const ulong walk = (ulong)(firstWalk + i);
    uint r[4];
    int node = 0;
    for (int t = 0; t < length; t++) {
        if ((t & 1) == 0) philox_draw(seed, walk, (ulong)(t >> 1), r);
        uint pick = (t & 1) == 0 ? r[0] : r[2];
        uint keep = (t & 1) == 0 ? r[1] : r[3];
        if (t == 0) {
            int slot = multiply_shift(pick, nodeCount);
            node = keep < startThreshold[slot] ? slot : startAlias[slot];
        } else {
            int begin = offsets[node];
            int slot = begin + multiply_shift(pick, offsets[node + 1] - begin);
            node = neighbors[keep < threshold[slot] ? slot : alias[slot]];
        }
        tokens[t] = node;
    }
}

// Next-token pairs from sampled sequences: one work-item per output position (row, t < length − 1).
__kernel void split_sequences(__global int* inputs, const long offInputs,
                              __global int* targets, const long offTargets,
                              __global const int* sequences, const long offSequences,
                              const int count, const int length)
{
    const long i = get_global_id(0);
    const int context = length - 1;
    if (i >= (long)count * context) return;
    const long row = i / context, t = i - row * context;
    const long source = offSequences + row * length + t;
    inputs[offInputs + i] = sequences[source];
    targets[offTargets + i] = sequences[source + 1];
}
