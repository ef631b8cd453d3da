namespace MiniTransformer.Percolation;

/// <summary>
/// Breadth-first growth of one site-percolation cluster on a Bethe lattice of coordination z at occupation p: the
/// root has Binomial(z, p) occupied neighbours (its z−1 "forward" neighbours plus the extra Bernoulli(p) draw for
/// the z-th, sampled as one Binomial(z, p) — the same distribution), every other site Binomial(z−1, p) children.
/// <para>
/// Written level-parallel, the shape a device kernel takes: per BFS level (a contiguous index range, because
/// children are appended in parent order) (1) child counts, one independent counter-based draw per site,
/// (2) an exclusive prefix sum giving each parent its first child's index, (3) the children's parent entries.
/// Every step is data-parallel over the level; on the CPU a level is a plain loop.
/// </para>
/// </summary>
public sealed class BetheGrowth
{
    private readonly BinomialTable _children, _root;

    public int Z { get; }
    public double P { get; }
    public ulong Seed { get; }

    public BetheGrowth(int z, double p, ulong seed)
    {
        Z = z; P = p; Seed = seed;
        _children = new BinomialTable(z - 1, p);
        _root = new BinomialTable(z, p);
    }

    public static double CriticalProbability(int z) => 1.0 / (z - 1);

    /// <summary>
    /// Grows cluster <paramref name="trial"/> into <c>scratch.Parents</c> (BFS order, parents[0] = −1), resizing the
    /// scratch arrays as needed. Returns the size, or −1 as soon as the size is known to exceed
    /// <paramref name="maxSize"/> (growth stops there: a runaway cluster costs O(maxSize), not more).
    /// </summary>
    public int Grow(long trial, int maxSize, GrowthScratch scratch)
    {
        ulong stream = (ulong)trial;
        ref int[] parents = ref scratch.Parents;
        ref int[] counts = ref scratch.Counts;
        ref double[] uniforms = ref scratch.Uniforms;
        Ensure(ref parents, 1, maxSize);
        parents[0] = -1;
        long levelStart = 0, levelEnd = 1;
        while (levelStart < levelEnd)
        {
            int width = (int)(levelEnd - levelStart);
            Ensure(ref counts, width, int.MaxValue);
            if (uniforms.Length < width) uniforms = new double[Math.Max(width, 2 * uniforms.Length)];
            // (1) child counts of the level's sites: one counter-based uniform each, inverted through the table.
            PercolationStreams.FillGrowthUniforms(Seed, stream, (int)levelStart, uniforms.AsSpan(0, width));
            for (int j = 0; j < width; j++)
                counts[j] = levelStart + j == 0 ? _root.Sample(uniforms[j]) : _children.Sample(uniforms[j]);
            // (2) exclusive prefix sum: counts[j] becomes the offset of site j's first child in the next level.
            long total = 0;
            for (int j = 0; j < width; j++) { int c = counts[j]; counts[j] = (int)total; total += c; }
            if (levelEnd + total > maxSize) return -1;
            Ensure(ref parents, (int)(levelEnd + total), maxSize);
            // (3) children: site j's children fill [levelEnd + offset_j, levelEnd + offset_{j+1}).
            for (int j = 0; j < width; j++)
            {
                int from = (int)levelEnd + counts[j];
                int to = j + 1 < width ? (int)levelEnd + counts[j + 1] : (int)(levelEnd + total);
                int parent = (int)levelStart + j;
                for (int c = from; c < to; c++) parents[c] = parent;
            }
            levelStart = levelEnd;
            levelEnd += total;
        }
        return (int)levelEnd;
    }

    private static void Ensure(ref int[] array, int needed, int cap)
    {
        if (array.Length >= needed) return;
        long grown = Math.Max(needed, Math.Min((long)cap, 2L * Math.Max(array.Length, 64)));
        Array.Resize(ref array, (int)Math.Min(grown, Array.MaxLength));
    }
}

/// <summary>Per-thread working arrays of <see cref="BetheGrowth.Grow"/>; after a successful call Parents[0..size) is the cluster.</summary>
public sealed class GrowthScratch
{
    public int[] Parents = new int[1024];
    public int[] Counts = new int[256];
    public double[] Uniforms = new double[256];
}
