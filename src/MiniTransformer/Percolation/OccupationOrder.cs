namespace MiniTransformer.Percolation;

/// <summary>
/// Every lattice site carries a Philox key u_i (<see cref="PercolationStreams.OccupationKey"/>). Site percolation at
/// p occupies exactly the sites with u_i &lt; p; sorting the sites by key gives the Newman–Ziff occupation order, so
/// a sweep and a fixed-p extraction with the same seed see the same configurations (the sweep's state after n
/// additions is the configuration at any p between the n-th and (n+1)-th smallest key).
/// </summary>
public static class OccupationOrder
{
    public static ulong[] Keys(HypercubicLattice lattice, ulong seed)
    {
        var keys = new ulong[lattice.SiteCount];
        Parallel.For(0, keys.Length, i => keys[i] = PercolationStreams.OccupationKey(seed, i));
        return keys;
    }

    /// <summary>Sites in ascending key order (ties, which need two equal 53-bit keys, by site index).</summary>
    public static int[] Sorted(HypercubicLattice lattice, ulong seed)
    {
        var keys = Keys(lattice, seed);
        // Pack (key, site) into one 128-bit comparable value so the order is total and the sort deterministic.
        var packed = new UInt128[keys.Length];
        for (int i = 0; i < keys.Length; i++) packed[i] = ((UInt128)keys[i] << 32) | (uint)i;
        Array.Sort(packed);
        var order = new int[keys.Length];
        for (int i = 0; i < order.Length; i++) order[i] = (int)(uint)packed[i];
        return order;
    }

    public static bool[] OccupiedAt(HypercubicLattice lattice, ulong seed, double p)
    {
        var occupied = new bool[lattice.SiteCount];
        Parallel.For(0, occupied.Length, i => occupied[i] = PercolationStreams.KeyToUnit(PercolationStreams.OccupationKey(seed, i)) < p);
        return occupied;
    }
}
