namespace MiniTransformer.Compute;

/// <summary>
/// The declared cost of every op, from its shapes alone — the same numbers on every backend, so a step's FLOPs
/// are a sum over the launches, not an estimate.
/// Conventions: a multiply-add is 2 FLOPs; each add, multiply, divide, comparison (max), and each transcendental
/// (exp, log, tanh, sqrt) is 1; integer and index work is 0. Bytes are the compulsory traffic: every input element
/// read once, every output written once (4 bytes per float or int), read-modify-write outputs counted both ways.
/// </summary>
public static class OpCosts
{
    private const long F = sizeof(float);

    /// <summary>GELU (tanh approximation) per element: x², x³, ·0.044715, +x, ·√(2/π), tanh, 1+, ·x, ·0.5.</summary>
    public const long GeluForwardFlopsPerElement = 9;

    /// <summary>
    /// GELU derivative times upstream gradient per element: u (x², x³, ·c, +x, ·√(2/π): 5), tanh (1), sech² = 1 − t² (2),
    /// du/dx = √(2/π)(1 + 3c·x²) (3), 0.5(1+t) + 0.5x·sech²·du/dx (6), ·dOut (1).
    /// </summary>
    public const long GeluBackwardFlopsPerElement = 18;

    /// <summary>AdamW per element: scale g (1), m (3), v (4), m̂ and v̂ (2), √ (1), +ε (1), ÷ (1), +λθ (2), ·lr (1), θ− (1).</summary>
    public const long AdamWFlopsPerElement = 17;

    public static OpCost Gemm(in GemmSpec s, GemmEpilogue epilogue)
    {
        long mn = (long)s.M * s.N, batches = s.Batch;
        long flops = 2 * mn * s.K;
        if (s.Alpha != 1f) flops += mn;
        if (s.Beta != 0f) flops += 2 * mn;
        if (epilogue != GemmEpilogue.None) flops += mn;
        if (epilogue == GemmEpilogue.BiasGelu) flops += GeluForwardFlopsPerElement * mn;
        long aReads = (s.StrideA == 0 ? 1 : batches) * s.M * (long)s.K;
        long bReads = (s.StrideB == 0 ? 1 : batches) * s.K * (long)s.N;
        long cReads = s.Beta != 0f ? batches * mn : 0;
        long biasReads = epilogue != GemmEpilogue.None ? s.N : 0;
        long writes = batches * mn * (epilogue == GemmEpilogue.BiasGelu ? 2 : 1);
        return new(batches * flops, F * (aReads + bReads + cReads + biasReads), F * writes);
    }

    public static OpCost GeluForward(long n) => new(GeluForwardFlopsPerElement * n, F * n, F * n);

    public static OpCost GeluBackward(long n) => new(GeluBackwardFlopsPerElement * n, 2 * F * n, F * n);

    public static OpCost ColumnSum(long rows, long cols, bool accumulate) =>
        new(rows * cols, F * (rows * cols + (accumulate ? cols : 0)), F * cols);

    public static OpCost Add(long n) => new(n, 2 * F * n, F * n);

    public static OpCost Fill(long n) => new(0, 0, F * n);

    public static OpCost Copy(long n) => new(0, F * n, F * n);

    /// <summary>Per row of C: mean (C adds, 1 divide), variance (3C, 1 divide), rstd (+ε, √, ÷: 3), y = (x−μ)·r·w + b (4C).</summary>
    public static OpCost LayerNormForward(long rows, long cols) =>
        new(rows * (8 * cols + 5), F * (rows * cols + 2 * cols), F * (rows * cols + 2 * rows));

    /// <summary>
    /// Per row: x̂ (2C), w·dy (C), two row means (3C + 2), dbias and dweight accumulation (3C),
    /// dx = (dx̂ − mean − x̂·mean₂)·rstd accumulated (5C). Outputs dinp, dweight, dbias are read-modify-write.
    /// </summary>
    public static OpCost LayerNormBackward(long rows, long cols) =>
        new(rows * (14 * cols + 2),
            F * (3 * rows * cols + 3 * cols + 2 * rows),
            F * (rows * cols + 2 * cols));

    /// <summary>Rotation of every (i, i + HS/2) pair of q and k: 6 FLOPs a pair; angles come from a table (not counted).</summary>
    public static OpCost Rope(long batch, long seqLen, long heads, long headSize)
    {
        long elements = 2 * batch * seqLen * heads * headSize;
        return new(3 * elements, F * elements, F * elements);
    }

    /// <summary>
    /// Causal attention per (batch, head): each of the T(T+1)/2 visible (query, key) pairs costs a score dot product
    /// (2·HS), scale, max, exp(x − max), sum, normalise (6) and its share of att·V (2·HS).
    /// </summary>
    public static OpCost AttentionForward(long batch, long seqLen, long heads, long headSize)
    {
        long pairs = batch * heads * seqLen * (seqLen + 1) / 2;
        long channels = heads * headSize;
        return new(pairs * (4 * headSize + 6),
            F * 3 * batch * seqLen * channels,
            F * (batch * seqLen * channels + batch * heads * seqLen * seqLen));
    }

    /// <summary>
    /// Per visible pair: dAtt = dOut·v (2·HS), dV += att·dOut (2·HS), softmax backward (4), scale (1),
    /// dQ += dPre·k (2·HS), dK += dPre·q (2·HS).
    /// </summary>
    public static OpCost AttentionBackward(long batch, long seqLen, long heads, long headSize)
    {
        long pairs = batch * heads * seqLen * (seqLen + 1) / 2;
        long channels = heads * headSize;
        return new(pairs * (8 * headSize + 5),
            F * (4 * batch * seqLen * channels + batch * heads * seqLen * seqLen),
            F * 3 * batch * seqLen * channels);
    }

    /// <summary>
    /// Per row of V logits: max (V), exp(x − max) (2V), sum (V), log and loss (3); with the gradient also
    /// p = e/Σ (V), −1 at the target (1), ·scale (V).
    /// </summary>
    public static OpCost CrossEntropy(long rows, long vocab, bool withGradient) =>
        new(rows * (4 * vocab + 3 + (withGradient ? 2 * vocab + 1 : 0)),
            F * (rows * vocab + rows),
            F * (rows + (withGradient ? rows * vocab : 0)));

    public static OpCost EmbeddingForward(long batch, long seqLen, long channels, bool positional)
    {
        long n = batch * seqLen * channels;
        return new(positional ? n : 0,
            F * (n + batch * seqLen + (positional ? seqLen * channels : 0)),
            F * n);
    }

    /// <summary>Scatter-add of every row of dOut into the embedding rows its tokens name (and the positional rows).</summary>
    public static OpCost EmbeddingBackward(long batch, long seqLen, long channels, bool positional)
    {
        long n = batch * seqLen * channels;
        long tables = positional ? 2 : 1;
        return new(tables * n,
            F * (n + batch * seqLen + tables * n),
            F * tables * n);
    }

    public static OpCost AdamW(long n) => new(AdamWFlopsPerElement * n, 4 * F * n, 3 * F * n);

    public static OpCost Reduce(ReductionKind kind, long n) =>
        new(kind == ReductionKind.SumOfSquares ? 2 * n : n, F * n, F);

    /// <summary>Per (query, point): dim·(subtract, multiply, add) for the squared distance and one comparison for the selection.</summary>
    public static OpCost SquaredDistanceTopK(long queries, long points, long dim, long k) =>
        new(queries * points * (3 * dim + 1),
            F * (queries + points) * dim,
            2 * F * queries * k);

    /// <summary>Integer work only. Per step: CSR row bounds (2), alias threshold, alias and neighbour (3) gathered; per walk start: 2.</summary>
    public static OpCost SampleWalks(long count, long length) =>
        new(0, F * count * (2 + 5 * (length - 1)), F * count * length);

    /// <summary>No arithmetic; reads every token once and writes each of the two halves once.</summary>
    public static OpCost SplitSequences(long count, long length) =>
        new(0, F * count * length, F * 2 * count * (length - 1));

    /// <summary>Copies one token's k and v per sequence into the caches: no arithmetic.</summary>
    public static OpCost KvCacheAppend(long batch, long heads, long headSize)
    {
        long n = 2 * batch * heads * headSize;
        return new(0, F * n, F * n);
    }

    /// <summary>
    /// Single-query attention per (sequence, head) over <paramref name="length"/> cached keys: per key a score dot
    /// product (2·HS), scale, max, exp(x − max) (2), sum, normalise (6) and its share of att·V (2·HS) — the causal
    /// forward's per-pair count — plus one reciprocal of the sum. Reads q and the visible cache rows, writes the output.
    /// </summary>
    public static OpCost AttentionDecode(long batch, long heads, long headSize, long length)
    {
        long pairs = batch * heads * length;
        long channels = batch * heads * headSize;
        return new(pairs * (4 * headSize + 6) + batch * heads,
            F * (channels + 2 * pairs * headSize),
            F * channels);
    }

    // ---- percolation ops: integer work only (0 FLOPs); bytes as labelled ------------------------------------

    /// <summary>
    /// Per pass over n sites of a d-dimensional lattice: the hook reads each site's label, its 2d neighbours' labels
    /// and its root's label (2d + 2 reads), the jump reads each label and its root's and writes it back (2 reads, 1
    /// write); plus the initial pass (1 read, 1 write per site). Chains longer than one step in the jump are not
    /// counted (compulsory traffic only).
    /// </summary>
    public static OpCost LabelClusters(long n, int dimension, int passes) =>
        new(0, F * n * (1 + passes * (2L * dimension + 4)), F * n * (1 + passes));

    /// <summary>Per level site: its cluster, BFS index and cluster size read (the binomial table is shared and not
    /// counted), its count written; the scan reads each count and writes each offset and the total.</summary>
    public static OpCost BetheCountChildren(long width) =>
        new(0, F * width * 4, F * (2 * width + 1));

    /// <summary>Per level site: cluster, BFS index, two offsets and the cluster's first offset and size read; per child
    /// three ints written. The per-cluster writes (first offset, new size) depend on how many clusters the level spans,
    /// which the shapes do not say: declared as two writes per level site, their upper bound.</summary>
    public static OpCost BetheWriteChildren(long width, long total) =>
        new(0, F * width * 6, F * (3 * total + 2 * width));
}
