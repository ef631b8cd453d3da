using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using MiniTransformer.Randomness;

namespace MiniTransformer.Data.Walks;

/// <summary>
/// Samples a range of walks on the CPU in parallel: the range is cut into fixed blocks of walks spread over threads
/// by Parallel.For. Walk w is <see cref="WalkTables.SampleWalk"/>(seed, w) bit for bit — a pure function of the walk
/// index — so the tokens are identical for every thread count and every sharding of the range.
/// Tokens are walk-major: walk firstWalk + i occupies tokens[i·length .. (i+1)·length).
/// </summary>
public static class WalkSampler
{
    private const int BlockWalks = 256;

    public static uint[] Sample(WalkTables tables, ulong seed, long firstWalk, int walkCount, int length, int threads = 0)
    {
        if ((long)walkCount * length > Array.MaxLength)
            throw new UserInputException($"{walkCount} walks of length {length} exceed the {Array.MaxLength} tokens one array holds");
        var tokens = new uint[(long)walkCount * length];
        Sample(tables, seed, firstWalk, walkCount, length, tokens, threads);
        return tokens;
    }

    /// <param name="threads">Worker threads; 0 = all processors.</param>
    public static void Sample(WalkTables tables, ulong seed, long firstWalk, int walkCount, int length, uint[] tokens, int threads = 0)
    {
        if (length < 1) throw new UserInputException($"the walk length must be positive (got {length})");
        if (walkCount < 0 || firstWalk < 0) throw new ArgumentOutOfRangeException(nameof(walkCount), "the walk range must be non-negative");
        if (tokens.Length < (long)walkCount * length) throw new ArgumentException("token buffer too small", nameof(tokens));
        var options = new ParallelOptions { MaxDegreeOfParallelism = threads > 0 ? threads : Environment.ProcessorCount };
        Parallel.For(0, (walkCount + BlockWalks - 1) / BlockWalks, options, block =>
        {
            int first = block * BlockWalks, count = Math.Min(BlockWalks, walkCount - first);
            SampleBlock(tables, seed, firstWalk + first, count, length, tokens.AsSpan(first * length, count * length));
        });
    }

    /// <summary>Scalar reference path: one Philox draw feeds two steps.</summary>
    private static void SampleBlock(WalkTables tables, ulong seed, long firstWalk, int count, int length, Span<uint> tokens)
    {
        ref int offsets = ref MemoryMarshal.GetArrayDataReference(tables.Offsets);
        ref int neighbors = ref MemoryMarshal.GetArrayDataReference(tables.Neighbors);
        ref uint threshold = ref MemoryMarshal.GetArrayDataReference(tables.Threshold);
        ref int alias = ref MemoryMarshal.GetArrayDataReference(tables.Alias);
        int n = tables.NodeCount;
        for (int i = 0; i < count; i++)
        {
            var walk = tokens.Slice(i * length, length);
            ulong stream = (ulong)(firstWalk + i);
            int node = 0;
            for (int t = 0; t < length; t += 2)
            {
                var (r0, r1, r2, r3) = Philox.Draw(seed, stream, (ulong)(t >> 1));
                if (t == 0)
                {
                    int slot = WalkTables.MultiplyShift(r0, n);
                    node = r1 < tables.StartThreshold[slot] ? slot : tables.StartAlias[slot];
                }
                else node = Step(ref offsets, ref neighbors, ref threshold, ref alias, node, r0, r1);
                walk[t] = (uint)node;
                if (t + 1 == length) break;
                node = Step(ref offsets, ref neighbors, ref threshold, ref alias, node, r2, r3);
                walk[t + 1] = (uint)node;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Step(ref int offsets, ref int neighbors, ref uint threshold, ref int alias, int node, uint pick, uint keep)
    {
        int begin = Unsafe.Add(ref offsets, node);
        int slot = begin + WalkTables.MultiplyShift(pick, Unsafe.Add(ref offsets, node + 1) - begin);
        return Unsafe.Add(ref neighbors, keep < Unsafe.Add(ref threshold, slot) ? slot : Unsafe.Add(ref alias, slot));
    }
}
