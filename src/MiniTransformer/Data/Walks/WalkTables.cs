using System.Runtime.CompilerServices;
using MiniTransformer.Randomness;

namespace MiniTransformer.Data.Walks;

/// <summary>
/// Everything a walk sampler needs, in flat arrays that upload to a device unchanged: the CSR adjacency plus
/// Walker/Vose alias tables for O(1) draws — one table per node over its CSR neighbour range, and one over all
/// nodes for the stationary start distribution.
///
/// Alias convention (shared with kernels/walks.cl): a draw picks slot j uniformly, then keeps j when the second
/// random word r &lt; Threshold[j] and otherwise takes Alias[j]. Thresholds are the slot's keep probability in
/// units of 2⁻³² (rounded; a slot that is always kept has Threshold = uint.MaxValue and Alias[j] = j). Alias holds
/// absolute positions: a CSR position for neighbour tables, a node id for the start table.
///
/// Random-number convention: walk w, step t uses Philox4x32-10 draw (seed, stream w, index t/2), words 0–1 on even
/// t and 2–3 on odd t; the first word picks the slot by multiply-shift ((r·size) &gt;&gt; 32), the second decides
/// keep/alias. The tokens of a walk are therefore a pure function of (tables, seed, w): identical for every thread
/// count, every sharding of the walk range, and every backend.
/// </summary>
public sealed record WalkTables(
    int[] Offsets,
    int[] Neighbors,
    uint[] Threshold,
    int[] Alias,
    uint[] StartThreshold,
    int[] StartAlias)
{
    public int NodeCount => Offsets.Length - 1;

    /// <summary>Writes walk <paramref name="walk"/> of the stream (this, <paramref name="seed"/>) into <paramref name="tokens"/>.</summary>
    public void SampleWalk(ulong seed, long walk, Span<int> tokens)
    {
        int node = 0;
        for (int t = 0; t < tokens.Length; t++)
        {
            var (r0, r1, r2, r3) = Philox.Draw(seed, (ulong)walk, (ulong)(t >> 1));
            uint pick = (t & 1) == 0 ? r0 : r2, keep = (t & 1) == 0 ? r1 : r3;
            if (t == 0)
            {
                int slot = MultiplyShift(pick, NodeCount);
                node = keep < StartThreshold[slot] ? slot : StartAlias[slot];
            }
            else
            {
                int begin = Offsets[node];
                int slot = begin + MultiplyShift(pick, Offsets[node + 1] - begin);
                node = Neighbors[keep < Threshold[slot] ? slot : Alias[slot]];
            }
            tokens[t] = node;
        }
    }

    /// <summary>Uniform index in [0, size) from 32 random bits (Lemire's multiply-shift; bias below size/2³²).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int MultiplyShift(uint random, int size) => (int)(((ulong)random * (uint)size) >> 32);
}
