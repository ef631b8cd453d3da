using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using MiniTransformer.Randomness;

namespace MiniTransformer.Data.Walks;

/// <summary>
/// Samples a range of walks on the CPU in parallel: the range is cut into fixed blocks of walks spread over threads
/// by Parallel.For. Walk w is <see cref="WalkTables.SampleWalk"/>(seed, w) bit for bit — a pure function of the walk
/// index — so the tokens are identical for every thread count and every sharding of the range.
/// Tokens are walk-major: walk firstWalk + i occupies tokens[i·length .. (i+1)·length).
///
/// Speed: a group of 16 (AVX-512) or 8 (AVX2) walks advances in lockstep. Philox — most of the arithmetic — runs
/// with one walk per vector lane and feeds two steps per draw; the table lookups stay scalar but interleave across
/// the group, so the dependent load chains of different walks overlap. A step is memory-bound, so the sampler reads
/// a packed copy of the neighbour tables (<see cref="PackedSlot"/>: threshold, kept neighbour, alias neighbour side
/// by side) — one cache line per step instead of three — or, for an unweighted graph, the neighbour array alone;
/// built once per <see cref="WalkTables"/> and cached.
/// </summary>
public static class WalkSampler
{
    private const int BlockWalks = 256;

    /// <summary>
    /// Walks per lockstep group: two vectors of Philox lanes (16 with AVX-512, 8 with AVX2), 1 without either. Two
    /// vectors rather than one give the scalar lookups enough independent walks to hide their load latency.
    /// </summary>
    public static int BestLanes => Avx512F.IsSupported ? 16 : Avx2.IsSupported ? 8 : 1;

    private const int Stride = 16;

    /// <summary>Slot j of the neighbour tables resolved to node ids: the step goes to Keep when the keep word &lt; Threshold, else to Alias.</summary>
    [StructLayout(LayoutKind.Sequential, Pack = 4)]
    internal struct PackedSlot
    {
        public uint Threshold;
        public int Keep;
        public int Alias;
    }

    /// <summary>
    /// The sampler's view of one <see cref="WalkTables"/>: packed slots, or null when every neighbour table is uniform
    /// (an unweighted graph: every threshold uint.MaxValue with Alias[j] = j), where a step is just
    /// Neighbors[slot] — the same node the rule picks, read from a quarter of the memory.
    /// </summary>
    internal sealed record Prepared(PackedSlot[]? Slots);

    private static readonly ConditionalWeakTable<WalkTables, Prepared> PreparedCache = new();

    /// <summary>Built on first use and cached (the tables' arrays must not change afterwards).</summary>
    internal static Prepared Prepare(WalkTables tables) => PreparedCache.GetValue(tables, t =>
    {
        bool uniform = true;
        for (int j = 0; j < t.Threshold.Length && uniform; j++) uniform = t.Threshold[j] == uint.MaxValue && t.Alias[j] == j;
        if (uniform) return new Prepared(null);
        var packed = new PackedSlot[t.Neighbors.Length];
        for (int j = 0; j < packed.Length; j++)
            packed[j] = new PackedSlot { Threshold = t.Threshold[j], Keep = t.Neighbors[j], Alias = t.Neighbors[t.Alias[j]] };
        return new Prepared(packed);
    });

    public static uint[] Sample(WalkTables tables, ulong seed, long firstWalk, int walkCount, int length, int threads = 0)
    {
        if ((long)walkCount * length > Array.MaxLength)
            throw new UserInputException($"{walkCount} walks of length {length} exceed the {Array.MaxLength} tokens one array holds");
        var tokens = new uint[(long)walkCount * length];
        Sample(tables, seed, firstWalk, walkCount, length, tokens, threads);
        return tokens;
    }

    /// <param name="threads">Worker threads; 0 = all processors.</param>
    public static void Sample(WalkTables tables, ulong seed, long firstWalk, int walkCount, int length, uint[] tokens, int threads = 0) =>
        Sample(tables, seed, firstWalk, walkCount, length, tokens, threads, BestLanes);

    /// <param name="lanes">1, 8 or 16 walks per group (the public overload picks the widest the CPU supports); every width gives the same tokens.</param>
    internal static void Sample(WalkTables tables, ulong seed, long firstWalk, int walkCount, int length, uint[] tokens, int threads, int lanes)
    {
        if (length < 1) throw new UserInputException($"the walk length must be positive (got {length})");
        if (walkCount < 0 || firstWalk < 0) throw new ArgumentOutOfRangeException(nameof(walkCount), "the walk range must be non-negative");
        if (tokens.Length < (long)walkCount * length) throw new ArgumentException("token buffer too small", nameof(tokens));
        if (lanes is not (1 or 8 or 16) || lanes > BestLanes) throw new ArgumentOutOfRangeException(nameof(lanes), $"{lanes} lanes are not supported on this CPU");
        var prepared = Prepare(tables);
        var options = new ParallelOptions { MaxDegreeOfParallelism = threads > 0 ? threads : Environment.ProcessorCount };
        Parallel.For(0, (walkCount + BlockWalks - 1) / BlockWalks, options, block =>
        {
            int first = block * BlockWalks, count = Math.Min(BlockWalks, walkCount - first);
            var span = tokens.AsSpan(first * length, count * length);
            int grouped = lanes == 1 ? 0 : count / lanes * lanes;
            for (int g = 0; g < grouped; g += lanes)
                SampleGroup(tables, prepared, seed, firstWalk + first + g, lanes, length, span.Slice(g * length, lanes * length));
            for (int i = grouped; i < count; i++)
                SampleGroup(tables, prepared, seed, firstWalk + first + i, 1, length, span.Slice(i * length, length));
        });
    }

    /// <summary>Walks first … first + lanes − 1, each two steps per Philox draw.</summary>
    [SkipLocalsInit]
    private static unsafe void SampleGroup(WalkTables tables, Prepared prepared, ulong seed, long first, int lanes, int length, Span<uint> tokenSpan)
    {
        // words[k·Stride + l] = Philox word k of walk first + l for the current draw; node[l] = walk l's current node.
        uint* words = stackalloc uint[4 * Stride];
        int* node = stackalloc int[Stride];
        fixed (int* offsets = tables.Offsets, neighbors = tables.Neighbors, startAlias = tables.StartAlias)
        fixed (uint* startThreshold = tables.StartThreshold, tokens = tokenSpan)
        fixed (PackedSlot* slots = prepared.Slots)
        {
            for (int t = 0; t < length; t += 2)
            {
                Draw(seed, (ulong)first, (ulong)(t >> 1), lanes, words);
                for (int l = 0; l < lanes; l++)
                {
                    int next;
                    if (t == 0)
                    {
                        int slot = WalkTables.MultiplyShift(words[l], tables.NodeCount);
                        next = Select(slot, startAlias[slot], words[Stride + l], startThreshold[slot]);
                    }
                    else next = Step(offsets, neighbors, slots, node[l], words[l], words[Stride + l]);
                    node[l] = next;
                    tokens[l * length + t] = (uint)next;
                }
                if (t + 1 == length) break;
                for (int l = 0; l < lanes; l++)
                {
                    int next = Step(offsets, neighbors, slots, node[l], words[2 * Stride + l], words[3 * Stride + l]);
                    node[l] = next;
                    tokens[l * length + t + 1] = (uint)next;
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Draw(ulong seed, ulong firstStream, ulong index, int lanes, uint* words)
    {
        if (lanes == 16)
        {
            PhiloxX8(seed, firstStream, index, words);
            PhiloxX8(seed, firstStream + 8, index, words + 8);
        }
        else if (lanes == 8)
        {
            PhiloxX4(seed, firstStream, index, words);
            PhiloxX4(seed, firstStream + 4, index, words + 4);
        }
        else (words[0], words[Stride], words[2 * Stride], words[3 * Stride]) = Philox.Draw(seed, firstStream, index);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe int Step(int* offsets, int* neighbors, PackedSlot* slots, int node, uint pick, uint keep)
    {
        int begin = offsets[node];
        int slot = begin + WalkTables.MultiplyShift(pick, offsets[node + 1] - begin);
        if (slots == null) return neighbors[slot]; // uniform tables; the same for every step, so perfectly predicted
        var packed = slots + slot;
        return Select(packed->Keep, packed->Alias, keep, packed->Threshold);
    }

    /// <summary>
    /// keep &lt; threshold ? kept : alias, branch-free: keep-or-alias is a coin flip the branch predictor cannot learn.
    /// The sign bit of the 64-bit difference keep − threshold is the comparison.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Select(int kept, int alias, uint keep, uint threshold)
    {
        int takeKept = (int)(((ulong)keep - threshold) >> 63);
        return alias ^ ((kept ^ alias) & -takeKept);
    }

    // Philox4x32-10 with one stream per 64-bit lane (the 32-bit word sits in the low half). vpmuludq multiplies the
    // low halves only, so the junk that XOR leaves in the high halves never reaches a product; it is dropped on store.

    private static unsafe void PhiloxX8(ulong seed, ulong firstStream, ulong index, uint* words)
    {
        var low = Vector512.Create(0xFFFF_FFFFul);
        var stream = Vector512.Create(firstStream) + Vector512.Create(0ul, 1, 2, 3, 4, 5, 6, 7);
        Vector512<ulong> c0 = Vector512.Create(index & 0xFFFF_FFFF), c1 = Vector512.Create(index >> 32), c2 = stream & low, c3 = stream >> 32;
        var m0 = Vector512.Create(0xD2511F53u);
        var m1 = Vector512.Create(0xCD9E8D57u);
        uint k0 = (uint)seed, k1 = (uint)(seed >> 32);
        for (int round = 0; round < 10; round++)
        {
            var p0 = Avx512F.Multiply(c0.AsUInt32(), m0);
            var p1 = Avx512F.Multiply(c2.AsUInt32(), m1);
            (c0, c1, c2, c3) = ((p1 >> 32) ^ c1 ^ Vector512.Create((ulong)k0), p1, (p0 >> 32) ^ c3 ^ Vector512.Create((ulong)k1), p0);
            k0 += 0x9E3779B9;
            k1 += 0xBB67AE85;
        }
        Avx512F.ConvertToVector256UInt32(c0).Store(words);
        Avx512F.ConvertToVector256UInt32(c1).Store(words + Stride);
        Avx512F.ConvertToVector256UInt32(c2).Store(words + 2 * Stride);
        Avx512F.ConvertToVector256UInt32(c3).Store(words + 3 * Stride);
    }

    private static unsafe void PhiloxX4(ulong seed, ulong firstStream, ulong index, uint* words)
    {
        var low = Vector256.Create(0xFFFF_FFFFul);
        var stream = Vector256.Create(firstStream) + Vector256.Create(0ul, 1, 2, 3);
        Vector256<ulong> c0 = Vector256.Create(index & 0xFFFF_FFFF), c1 = Vector256.Create(index >> 32), c2 = stream & low, c3 = stream >> 32;
        var m0 = Vector256.Create(0xD2511F53u);
        var m1 = Vector256.Create(0xCD9E8D57u);
        uint k0 = (uint)seed, k1 = (uint)(seed >> 32);
        for (int round = 0; round < 10; round++)
        {
            var p0 = Avx2.Multiply(c0.AsUInt32(), m0);
            var p1 = Avx2.Multiply(c2.AsUInt32(), m1);
            (c0, c1, c2, c3) = ((p1 >> 32) ^ c1 ^ Vector256.Create((ulong)k0), p1, (p0 >> 32) ^ c3 ^ Vector256.Create((ulong)k1), p0);
            k0 += 0x9E3779B9;
            k1 += 0xBB67AE85;
        }
        Narrow(c0, words);
        Narrow(c1, words + Stride);
        Narrow(c2, words + 2 * Stride);
        Narrow(c3, words + 3 * Stride);
    }

    /// <summary>Stores the low 32 bits of each 64-bit lane.</summary>
    private static unsafe void Narrow(Vector256<ulong> v, uint* words)
    {
        var gathered = Avx2.PermuteVar8x32(v.AsUInt32(), Vector256.Create(0u, 2, 4, 6, 1, 3, 5, 7));
        gathered.GetLower().Store(words);
    }
}
