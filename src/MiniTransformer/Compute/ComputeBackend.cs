namespace MiniTransformer.Compute;

/// <summary>
/// The one contract every device backend implements: buffers, explicit synchronisation, and the fixed op set of a
/// tiny-transformer trainer and a k-NN regressor. Public op methods check shapes, record the op's declared
/// <see cref="OpCost"/> in <see cref="Ledger"/>, and hand over to the backend's <c>…Core</c> kernel launch.
/// All tensors are row-major float32 (indices int32) slices of flat buffers. Ops are enqueued in order on one
/// stream; <see cref="Download{T}"/> and <see cref="Synchronize"/> wait for everything enqueued before them.
/// </summary>
public abstract class ComputeBackend : IDisposable
{
    public abstract BackendKind Kind { get; }
    public abstract DeviceInfo Info { get; }

    /// <summary>When set, every op launch adds its declared cost (and, in profile mode, its time) here.</summary>
    public OpLedger? Ledger { get; set; }

    public abstract DeviceBuffer<T> Allocate<T>(long length) where T : unmanaged;

    public void Upload<T>(ReadOnlySpan<T> source, DeviceSlice<T> destination) where T : unmanaged
    {
        Require(destination, source.Length, nameof(destination));
        UploadCore(source, destination);
    }

    public void Download<T>(DeviceSlice<T> source, Span<T> destination) where T : unmanaged
    {
        Require(source, destination.Length, nameof(source));
        DownloadCore(source, destination);
    }

    /// <summary>Allocates a buffer holding a copy of <paramref name="source"/>.</summary>
    public DeviceBuffer<T> UploadNew<T>(ReadOnlySpan<T> source) where T : unmanaged
    {
        var buffer = Allocate<T>(source.Length);
        Upload(source, buffer);
        return buffer;
    }

    public T[] DownloadArray<T>(DeviceSlice<T> source) where T : unmanaged
    {
        var result = new T[source.Length];
        Download(source, result);
        return result;
    }

    /// <summary>Blocks until every enqueued op has finished.</summary>
    public abstract void Synchronize();

    // ---- ops -----------------------------------------------------------------------------------------------

    /// <summary>See <see cref="GemmSpec"/>; <paramref name="bias"/> is required by the Bias/BiasGelu epilogues and
    /// <paramref name="preActivation"/> (shaped like C) by BiasGelu.</summary>
    public void Gemm(in GemmSpec s, DeviceSlice<float> a, DeviceSlice<float> b, DeviceSlice<float> c,
        GemmEpilogue epilogue = GemmEpilogue.None, DeviceSlice<float>? bias = null, DeviceSlice<float>? preActivation = null)
    {
        if (s.M <= 0 || s.N <= 0 || s.K <= 0 || s.Batch <= 0) throw new ArgumentException($"GEMM shape {s.M}x{s.N}x{s.K} batch {s.Batch} must be positive");
        Require(a, s.ExtentA, nameof(a));
        Require(b, s.ExtentB, nameof(b));
        Require(c, s.ExtentC, nameof(c));
        if (epilogue != GemmEpilogue.None) Require(bias ?? throw new ArgumentException("epilogue needs a bias"), s.N, nameof(bias));
        if (epilogue == GemmEpilogue.BiasGelu)
        {
            if (s.Beta != 0f) throw new ArgumentException("the GELU epilogue needs beta = 0");
            Require(preActivation ?? throw new ArgumentException("the GELU epilogue needs a pre-activation output"), s.ExtentC, nameof(preActivation));
        }
        var t = Begin();
        GemmCore(s, a, b, c, epilogue, bias, preActivation);
        var cost = OpCosts.Gemm(s, epilogue);
        var elapsed = End("gemm", cost, t);
        if (Ledger is { RecordGemmShapes: true } ledger) ledger.RecordGemmShape(s.Describe(epilogue), cost, elapsed);
    }

    /// <summary>output = GELU(input), tanh approximation (as GPT-2 and PyTorch's approximate="tanh").</summary>
    public void GeluForward(DeviceSlice<float> output, DeviceSlice<float> input, long n)
    {
        Require(output, n, nameof(output)); Require(input, n, nameof(input));
        var t = Begin(); GeluForwardCore(output, input, n); End("gelu_forward", OpCosts.GeluForward(n), t);
    }

    /// <summary>dInput = GELU'(input)·dOutput (written, not accumulated; dInput may alias dOutput).</summary>
    public void GeluBackward(DeviceSlice<float> dInput, DeviceSlice<float> input, DeviceSlice<float> dOutput, long n)
    {
        Require(dInput, n, nameof(dInput)); Require(input, n, nameof(input)); Require(dOutput, n, nameof(dOutput));
        var t = Begin(); GeluBackwardCore(dInput, input, dOutput, n); End("gelu_backward", OpCosts.GeluBackward(n), t);
    }

    /// <summary>dst[j] (+)= Σ_i src[i, j] over a rows×cols matrix: the bias gradient.</summary>
    public void ColumnSum(DeviceSlice<float> dst, DeviceSlice<float> src, int rows, int cols, bool accumulate)
    {
        Require(dst, cols, nameof(dst)); Require(src, (long)rows * cols, nameof(src));
        var t = Begin(); ColumnSumCore(dst, src, rows, cols, accumulate); End("column_sum", OpCosts.ColumnSum(rows, cols, accumulate), t);
    }

    /// <summary>output = a + b elementwise (output may alias either input): the residual connection.</summary>
    public void Add(DeviceSlice<float> output, DeviceSlice<float> a, DeviceSlice<float> b, long n)
    {
        Require(output, n, nameof(output)); Require(a, n, nameof(a)); Require(b, n, nameof(b));
        var t = Begin(); AddCore(output, a, b, n); End("add", OpCosts.Add(n), t);
    }

    public void Fill(DeviceSlice<float> output, float value)
    {
        var t = Begin(); FillCore(output, value); End("fill", OpCosts.Fill(output.Length), t);
    }

    public void Copy(DeviceSlice<float> output, DeviceSlice<float> input)
    {
        Require(output, input.Length, nameof(output));
        var t = Begin(); CopyCore(output, input); End("copy", OpCosts.Copy(input.Length), t);
    }

    /// <summary>Per row of <paramref name="cols"/>: y = (x − μ)/√(σ² + ε)·w + b; saves μ and 1/√(σ² + ε) per row (biased variance).</summary>
    public void LayerNormForward(DeviceSlice<float> output, DeviceSlice<float> mean, DeviceSlice<float> rstd,
        DeviceSlice<float> input, DeviceSlice<float> weight, DeviceSlice<float> bias, int rows, int cols, float epsilon = 1e-5f)
    {
        long n = (long)rows * cols;
        Require(output, n, nameof(output)); Require(input, n, nameof(input));
        Require(mean, rows, nameof(mean)); Require(rstd, rows, nameof(rstd));
        Require(weight, cols, nameof(weight)); Require(bias, cols, nameof(bias));
        var t = Begin(); LayerNormForwardCore(output, mean, rstd, input, weight, bias, rows, cols, epsilon);
        End("layernorm_forward", OpCosts.LayerNormForward(rows, cols), t);
    }

    /// <summary>Accumulates (+=) into dInput, dWeight and dBias, as llm.c: dInput is the residual stream's gradient.</summary>
    public void LayerNormBackward(DeviceSlice<float> dInput, DeviceSlice<float> dWeight, DeviceSlice<float> dBias,
        DeviceSlice<float> dOutput, DeviceSlice<float> input, DeviceSlice<float> weight,
        DeviceSlice<float> mean, DeviceSlice<float> rstd, int rows, int cols)
    {
        long n = (long)rows * cols;
        Require(dInput, n, nameof(dInput)); Require(dOutput, n, nameof(dOutput)); Require(input, n, nameof(input));
        Require(dWeight, cols, nameof(dWeight)); Require(dBias, cols, nameof(dBias)); Require(weight, cols, nameof(weight));
        Require(mean, rows, nameof(mean)); Require(rstd, rows, nameof(rstd));
        var t = Begin(); LayerNormBackwardCore(dInput, dWeight, dBias, dOutput, input, weight, mean, rstd, rows, cols);
        End("layernorm_backward", OpCosts.LayerNormBackward(rows, cols), t);
    }

    /// <summary>
    /// Rotary position embedding applied in place to the q and k parts of qkv [B, T, 3, NH, HS] (v untouched).
    /// Rotate-half pairing (as GPT-NeoX / Llama): element i pairs with i + HS/2, angle = t·θ^(−2i/HS).
    /// <paramref name="inverse"/> rotates by −angle: the backward pass applied to dq and dk.
    /// </summary>
    public void Rope(DeviceSlice<float> qkv, int batch, int seqLen, int heads, int headSize, float theta, bool inverse)
    {
        if (headSize % 2 != 0) throw new ArgumentException("rotary embeddings need an even head size");
        Require(qkv, 3L * batch * seqLen * heads * headSize, nameof(qkv));
        var t = Begin(); RopeCore(qkv, batch, seqLen, heads, headSize, theta, inverse);
        End("rope", OpCosts.Rope(batch, seqLen, heads, headSize), t);
    }

    /// <summary>
    /// Causal multi-head attention. qkv is [B, T, 3, NH, HS] (q, k, v blocks of C = NH·HS per token), output
    /// [B, T, C], att [B, NH, T, T] receives the softmax probabilities (zero above the diagonal) for the backward pass.
    /// Scores are scaled by <paramref name="scale"/> (1/√HS standard, 1/HS under μP).
    /// </summary>
    public void AttentionForward(DeviceSlice<float> output, DeviceSlice<float> att, DeviceSlice<float> qkv,
        int batch, int seqLen, int heads, int headSize, float scale)
    {
        long tokens = (long)batch * seqLen, c = (long)heads * headSize;
        Require(output, tokens * c, nameof(output)); Require(qkv, 3 * tokens * c, nameof(qkv));
        Require(att, (long)batch * heads * seqLen * seqLen, nameof(att));
        var t = Begin(); AttentionForwardCore(output, att, qkv, batch, seqLen, heads, headSize, scale);
        End("attention_forward", OpCosts.AttentionForward(batch, seqLen, heads, headSize), t);
    }

    /// <summary>Writes (not accumulates) dQkv from dOutput, the saved qkv and att of the forward pass.</summary>
    public void AttentionBackward(DeviceSlice<float> dQkv, DeviceSlice<float> dOutput, DeviceSlice<float> qkv,
        DeviceSlice<float> att, int batch, int seqLen, int heads, int headSize, float scale)
    {
        long tokens = (long)batch * seqLen, c = (long)heads * headSize;
        Require(dQkv, 3 * tokens * c, nameof(dQkv)); Require(dOutput, tokens * c, nameof(dOutput));
        Require(qkv, 3 * tokens * c, nameof(qkv)); Require(att, (long)batch * heads * seqLen * seqLen, nameof(att));
        var t = Begin(); AttentionBackwardCore(dQkv, dOutput, qkv, att, batch, seqLen, heads, headSize, scale);
        End("attention_backward", OpCosts.AttentionBackward(batch, seqLen, heads, headSize), t);
    }

    /// <summary>
    /// Softmax + cross-entropy per row of <paramref name="vocab"/> logits: losses[r] = −ln softmax(logits[r])[target[r]];
    /// when <paramref name="dLogits"/> is given it receives (softmax − onehot)·<paramref name="gradScale"/>
    /// (it may alias <paramref name="logits"/>).
    /// </summary>
    public void CrossEntropy(DeviceSlice<float> losses, DeviceSlice<float>? dLogits, DeviceSlice<float> logits,
        DeviceSlice<int> targets, int rows, int vocab, float gradScale)
    {
        long n = (long)rows * vocab;
        Require(losses, rows, nameof(losses)); Require(logits, n, nameof(logits)); Require(targets, rows, nameof(targets));
        if (dLogits is { } d) Require(d, n, nameof(dLogits));
        var t = Begin(); CrossEntropyCore(losses, dLogits, logits, targets, rows, vocab, gradScale);
        End("cross_entropy", OpCosts.CrossEntropy(rows, vocab, dLogits.HasValue), t);
    }

    /// <summary>output[b, t, :] = wte[tokens[b, t], :] (+ wpe[t, :] when learned positions are used).</summary>
    public void EmbeddingForward(DeviceSlice<float> output, DeviceSlice<int> tokens, DeviceSlice<float> wte,
        DeviceSlice<float>? wpe, int batch, int seqLen, int channels)
    {
        long rows = (long)batch * seqLen;
        Require(output, rows * channels, nameof(output)); Require(tokens, rows, nameof(tokens));
        if (wpe is { } p) Require(p, (long)seqLen * channels, nameof(wpe));
        var t = Begin(); EmbeddingForwardCore(output, tokens, wte, wpe, batch, seqLen, channels);
        End("embedding_forward", OpCosts.EmbeddingForward(batch, seqLen, channels, wpe.HasValue), t);
    }

    /// <summary>Scatter-adds dOutput rows into dWte[token] (and dWpe[t]); deterministic on every backend.</summary>
    public void EmbeddingBackward(DeviceSlice<float> dWte, DeviceSlice<float>? dWpe, DeviceSlice<float> dOutput,
        DeviceSlice<int> tokens, int batch, int seqLen, int channels)
    {
        long rows = (long)batch * seqLen;
        Require(dOutput, rows * channels, nameof(dOutput)); Require(tokens, rows, nameof(tokens));
        if (dWpe is { } p) Require(p, (long)seqLen * channels, nameof(dWpe));
        var t = Begin(); EmbeddingBackwardCore(dWte, dWpe, dOutput, tokens, batch, seqLen, channels);
        End("embedding_backward", OpCosts.EmbeddingBackward(batch, seqLen, channels, dWpe.HasValue), t);
    }

    /// <summary>One AdamW update of a slice of the flat parameter buffer (call once per parameter group).</summary>
    public void AdamW(DeviceSlice<float> parameters, DeviceSlice<float> gradients, DeviceSlice<float> m, DeviceSlice<float> v, in AdamWStep step)
    {
        long n = parameters.Length;
        Require(gradients, n, nameof(gradients)); Require(m, n, nameof(m)); Require(v, n, nameof(v));
        if (step.Step < 1) throw new ArgumentException("AdamW steps count from 1");
        var t = Begin(); AdamWCore(parameters, gradients, m, v, step); End("adamw", OpCosts.AdamW(n), t);
    }

    /// <summary>destination[0] = the reduction of source[0..n), in a fixed order.</summary>
    public void Reduce(ReductionKind kind, DeviceSlice<float> destination, DeviceSlice<float> source, long n)
    {
        Require(destination, 1, nameof(destination)); Require(source, n, nameof(source));
        if (n <= 0) throw new ArgumentException("cannot reduce an empty vector");
        var t = Begin(); ReduceCore(kind, destination, source, n); End("reduce", OpCosts.Reduce(kind, n), t);
    }

    /// <summary>
    /// For each of <paramref name="queryCount"/> queries, the <paramref name="k"/> nearest of <paramref name="pointCount"/>
    /// points by squared Euclidean distance, ascending; ties go to the lower point index. Outputs are [Q, k].
    /// </summary>
    public void SquaredDistanceTopK(DeviceSlice<int> indices, DeviceSlice<float> distances,
        DeviceSlice<float> queries, DeviceSlice<float> points, int queryCount, int pointCount, int dim, int k)
    {
        if (k < 1 || k > pointCount) throw new ArgumentException($"k = {k} must be in [1, {pointCount}]");
        Require(indices, (long)queryCount * k, nameof(indices)); Require(distances, (long)queryCount * k, nameof(distances));
        Require(queries, (long)queryCount * dim, nameof(queries)); Require(points, (long)pointCount * dim, nameof(points));
        var t = Begin(); SquaredDistanceTopKCore(indices, distances, queries, points, queryCount, pointCount, dim, k);
        End("distance_topk", OpCosts.SquaredDistanceTopK(queryCount, pointCount, dim, k), t);
    }

    /// <summary>
    /// Walks <paramref name="firstWalk"/> … firstWalk + count − 1 of the stream defined by (tables, seed), each
    /// <paramref name="length"/> tokens, into tokens [count, length] — bit-identical to
    /// <see cref="Data.Walks.WalkTables.SampleWalk"/> on the host.
    /// </summary>
    public void SampleWalks(DeviceSlice<int> tokens, DeviceWalkTables tables, int length, long firstWalk, int count, ulong seed)
    {
        if (length < 1 || count < 0 || firstWalk < 0) throw new ArgumentException("walk length must be ≥ 1 and the walk range non-negative");
        Require(tokens, (long)count * length, nameof(tokens));
        var t = Begin(); SampleWalksCore(tokens, tables, length, firstWalk, count, seed);
        End("sample_walks", OpCosts.SampleWalks(count, length), t);
    }

    /// <summary>
    /// Splits <paramref name="count"/> sequences of <paramref name="length"/> tokens (row-major) into next-token
    /// training pairs: inputs [count, length − 1] take each sequence's first length − 1 tokens, targets its last
    /// length − 1 — the layout <see cref="Training.TokenBatches"/> reads from a file, made on the device from walks
    /// sampled there.
    /// </summary>
    public void SplitSequences(DeviceSlice<int> inputs, DeviceSlice<int> targets, DeviceSlice<int> sequences, int count, int length)
    {
        if (count < 0 || length < 2) throw new ArgumentException($"need count ≥ 0 and sequences of at least 2 tokens (got {count} × {length})");
        Require(sequences, (long)count * length, nameof(sequences));
        Require(inputs, (long)count * (length - 1), nameof(inputs)); Require(targets, (long)count * (length - 1), nameof(targets));
        var t = Begin(); SplitSequencesCore(inputs, targets, sequences, count, length);
        End("split_sequences", OpCosts.SplitSequences(count, length), t);
    }

    // ---- what a backend implements -------------------------------------------------------------------------

    protected abstract void UploadCore<T>(ReadOnlySpan<T> source, DeviceSlice<T> destination) where T : unmanaged;
    protected abstract void DownloadCore<T>(DeviceSlice<T> source, Span<T> destination) where T : unmanaged;
    protected abstract void GemmCore(in GemmSpec s, DeviceSlice<float> a, DeviceSlice<float> b, DeviceSlice<float> c,
        GemmEpilogue epilogue, DeviceSlice<float>? bias, DeviceSlice<float>? preActivation);
    protected abstract void GeluForwardCore(DeviceSlice<float> output, DeviceSlice<float> input, long n);
    protected abstract void GeluBackwardCore(DeviceSlice<float> dInput, DeviceSlice<float> input, DeviceSlice<float> dOutput, long n);
    protected abstract void ColumnSumCore(DeviceSlice<float> dst, DeviceSlice<float> src, int rows, int cols, bool accumulate);
    protected abstract void AddCore(DeviceSlice<float> output, DeviceSlice<float> a, DeviceSlice<float> b, long n);
    protected abstract void FillCore(DeviceSlice<float> output, float value);
    protected abstract void CopyCore(DeviceSlice<float> output, DeviceSlice<float> input);
    protected abstract void LayerNormForwardCore(DeviceSlice<float> output, DeviceSlice<float> mean, DeviceSlice<float> rstd,
        DeviceSlice<float> input, DeviceSlice<float> weight, DeviceSlice<float> bias, int rows, int cols, float epsilon);
    protected abstract void LayerNormBackwardCore(DeviceSlice<float> dInput, DeviceSlice<float> dWeight, DeviceSlice<float> dBias,
        DeviceSlice<float> dOutput, DeviceSlice<float> input, DeviceSlice<float> weight,
        DeviceSlice<float> mean, DeviceSlice<float> rstd, int rows, int cols);
    protected abstract void RopeCore(DeviceSlice<float> qkv, int batch, int seqLen, int heads, int headSize, float theta, bool inverse);
    protected abstract void AttentionForwardCore(DeviceSlice<float> output, DeviceSlice<float> att, DeviceSlice<float> qkv,
        int batch, int seqLen, int heads, int headSize, float scale);
    protected abstract void AttentionBackwardCore(DeviceSlice<float> dQkv, DeviceSlice<float> dOutput, DeviceSlice<float> qkv,
        DeviceSlice<float> att, int batch, int seqLen, int heads, int headSize, float scale);
    protected abstract void CrossEntropyCore(DeviceSlice<float> losses, DeviceSlice<float>? dLogits, DeviceSlice<float> logits,
        DeviceSlice<int> targets, int rows, int vocab, float gradScale);
    protected abstract void EmbeddingForwardCore(DeviceSlice<float> output, DeviceSlice<int> tokens, DeviceSlice<float> wte,
        DeviceSlice<float>? wpe, int batch, int seqLen, int channels);
    protected abstract void EmbeddingBackwardCore(DeviceSlice<float> dWte, DeviceSlice<float>? dWpe, DeviceSlice<float> dOutput,
        DeviceSlice<int> tokens, int batch, int seqLen, int channels);
    protected abstract void AdamWCore(DeviceSlice<float> parameters, DeviceSlice<float> gradients, DeviceSlice<float> m,
        DeviceSlice<float> v, in AdamWStep step);
    protected abstract void ReduceCore(ReductionKind kind, DeviceSlice<float> destination, DeviceSlice<float> source, long n);
    protected abstract void SquaredDistanceTopKCore(DeviceSlice<int> indices, DeviceSlice<float> distances,
        DeviceSlice<float> queries, DeviceSlice<float> points, int queryCount, int pointCount, int dim, int k);
    protected abstract void SplitSequencesCore(DeviceSlice<int> inputs, DeviceSlice<int> targets, DeviceSlice<int> sequences, int count, int length);
    protected abstract void SampleWalksCore(DeviceSlice<int> tokens, DeviceWalkTables tables, int length, long firstWalk, int count, ulong seed);

    // ---- incremental decoding (one new token per sequence, keys and values cached per layer) -----------------

    /// <summary>
    /// Rotary embedding of one new token per sequence at <paramref name="position"/>, in place on the q and k parts of
    /// qkv [B, 3, NH, HS]: the same rotation <see cref="Rope"/> applies to token t = position of a full sequence.
    /// </summary>
    public void RopeAt(DeviceSlice<float> qkv, int batch, int heads, int headSize, int position, float theta)
    {
        if (headSize % 2 != 0) throw new ArgumentException("rotary embeddings need an even head size");
        if (position < 0) throw new ArgumentException($"position {position} must be ≥ 0");
        Require(qkv, 3L * batch * heads * headSize, nameof(qkv));
        var t = Begin(); RopeAtCore(qkv, batch, heads, headSize, position, theta);
        End("rope_at", OpCosts.Rope(batch, 1, heads, headSize), t);
    }

    /// <summary>
    /// Copies the k and v of each sequence's new token (qkv [B, 3, NH, HS]) into row <paramref name="position"/> of the
    /// per-layer caches kCache and vCache, each [B, NH, capacity, HS] (keys of one head contiguous in time).
    /// </summary>
    public void KvCacheAppend(DeviceSlice<float> kCache, DeviceSlice<float> vCache, DeviceSlice<float> qkv,
        int batch, int heads, int headSize, int capacity, int position)
    {
        if (position < 0 || position >= capacity) throw new ArgumentException($"position {position} is outside a cache of {capacity}");
        long cache = (long)batch * heads * capacity * headSize;
        Require(kCache, cache, nameof(kCache)); Require(vCache, cache, nameof(vCache));
        Require(qkv, 3L * batch * heads * headSize, nameof(qkv));
        var t = Begin(); KvCacheAppendCore(kCache, vCache, qkv, batch, heads, headSize, capacity, position);
        End("kv_cache_append", OpCosts.KvCacheAppend(batch, heads, headSize), t);
    }

    /// <summary>
    /// Single-query attention of each sequence's new token over its cached keys and values 0 … length − 1:
    /// output[b, h·HS + d] = Σ_t softmax_t(scale·q·k_t)·v_t[d], with q from qkv [B, 3, NH, HS] and the caches
    /// [B, NH, capacity, HS] — row t of the causal <see cref="AttentionForward"/> when length = t + 1.
    /// </summary>
    public void AttentionDecode(DeviceSlice<float> output, DeviceSlice<float> qkv, DeviceSlice<float> kCache,
        DeviceSlice<float> vCache, int batch, int heads, int headSize, int capacity, int length, float scale)
    {
        if (length < 1 || length > capacity) throw new ArgumentException($"attention length {length} must be in [1, {capacity}]");
        long cache = (long)batch * heads * capacity * headSize;
        Require(output, (long)batch * heads * headSize, nameof(output)); Require(qkv, 3L * batch * heads * headSize, nameof(qkv));
        Require(kCache, cache, nameof(kCache)); Require(vCache, cache, nameof(vCache));
        var t = Begin(); AttentionDecodeCore(output, qkv, kCache, vCache, batch, heads, headSize, capacity, length, scale);
        End("attention_decode", OpCosts.AttentionDecode(batch, heads, headSize, length), t);
    }

    protected abstract void RopeAtCore(DeviceSlice<float> qkv, int batch, int heads, int headSize, int position, float theta);
    protected abstract void KvCacheAppendCore(DeviceSlice<float> kCache, DeviceSlice<float> vCache, DeviceSlice<float> qkv,
        int batch, int heads, int headSize, int capacity, int position);
    protected abstract void AttentionDecodeCore(DeviceSlice<float> output, DeviceSlice<float> qkv, DeviceSlice<float> kCache,
        DeviceSlice<float> vCache, int batch, int heads, int headSize, int capacity, int length, float scale);

    // ---- percolation ops (cluster labelling on hypercubic lattices, level-parallel Bethe growth) --------------

    /// <summary>
    /// Site-percolation cluster labels on a d-dimensional hypercubic lattice of side L (site index Σ x_a·L^a, the
    /// layout of <see cref="Percolation.HypercubicLattice"/>; neighbours ±1 along each axis, wrapping when
    /// <paramref name="periodic"/>). On entry labels[i] ≥ 0 marks an occupied site, labels[i] &lt; 0 an empty one; on exit
    /// every occupied site holds the lowest site index of its cluster and every empty site −1, so the result is
    /// unique and the same on every backend. Label equivalence with pointer jumping (Kalentev et al. 2011): a pass
    /// hooks each site's root to the smallest label among its occupied neighbours (atomic min), then points every
    /// site at the end of its label chain; passes repeat until one changes nothing. Returns the number of passes.
    /// </summary>
    public int LabelClusters(DeviceSlice<int> labels, int dimension, int side, bool periodic)
    {
        if (dimension < 1 || side < 2 || (periodic && side < 3))
            throw new ArgumentException($"a {side}^{dimension} {(periodic ? "periodic" : "open")} lattice is not valid (d ≥ 1, L ≥ 2, periodic L ≥ 3)");
        double sites = Math.Pow(side, dimension);
        if (sites > 1 << 30) throw new ArgumentException($"{side}^{dimension} sites exceed 2^30");
        int n = (int)Math.Round(sites);
        Require(labels, n, nameof(labels));
        var t = Begin();
        int passes = LabelClustersCore(labels, n, dimension, side, periodic);
        End("label_clusters", OpCosts.LabelClusters(n, dimension, passes), t);
        return passes;
    }

    /// <summary>
    /// Step (1)+(2) of one BFS level of a batch of Bethe clusters (see <see cref="DeviceBetheBatch"/>): the child
    /// count of every site of the level [levelStart, levelStart + width), drawn as in
    /// <see cref="Percolation.BetheGrowth"/> (0 for a cluster already over max-size), then their exclusive prefix sum
    /// into batch.Offsets[0..width] (Offsets[width] = the level's total). Returns that total (a synchronising read).
    /// </summary>
    public int BetheCountChildren(DeviceBetheBatch batch, long levelStart, int width)
    {
        CheckLevel(batch, levelStart, width, 0);
        var t = Begin();
        int total = BetheCountChildrenCore(batch, levelStart, width);
        End("bethe_count_children", OpCosts.BetheCountChildren(width), t);
        return total;
    }

    /// <summary>
    /// Step (3): appends the children counted by <see cref="BetheCountChildren"/> at levelStart + width (cluster,
    /// BFS index and parent of each), then adds each cluster's level total to batch.ClusterSizes, marking a cluster
    /// that passes <paramref name="maxSize"/> with −1 (its children are written but grow nothing further).
    /// </summary>
    public void BetheWriteChildren(DeviceBetheBatch batch, long levelStart, int width, int total, int maxSize)
    {
        if (total < 0 || maxSize < 1) throw new ArgumentException($"child total {total} and max-size {maxSize} must be non-negative and positive");
        CheckLevel(batch, levelStart, width, total);
        var t = Begin();
        BetheWriteChildrenCore(batch, levelStart, width, total, maxSize);
        End("bethe_write_children", OpCosts.BetheWriteChildren(width, total), t);
    }

    private void CheckLevel(DeviceBetheBatch batch, long levelStart, int width, int total)
    {
        if (levelStart < 0 || width < 1) throw new ArgumentException($"level [{levelStart}, +{width}) must be non-empty and start at ≥ 0");
        long sites = levelStart + width + total;
        Require(batch.SiteCluster, sites, nameof(batch.SiteCluster)); Require(batch.SiteLocal, sites, nameof(batch.SiteLocal));
        Require(batch.SiteParent, sites, nameof(batch.SiteParent));
        Require(batch.Offsets, width + 1L, nameof(batch.Offsets));
        Require(batch.ClusterSizes, batch.Clusters, nameof(batch.ClusterSizes)); Require(batch.LevelFirst, batch.Clusters, nameof(batch.LevelFirst));
        Require(batch.RootThresholds, batch.RootTrials + 1L, nameof(batch.RootThresholds));
        Require(batch.ChildThresholds, batch.ChildTrials + 1L, nameof(batch.ChildThresholds));
    }

    protected abstract int LabelClustersCore(DeviceSlice<int> labels, int n, int dimension, int side, bool periodic);
    protected abstract int BetheCountChildrenCore(DeviceBetheBatch batch, long levelStart, int width);
    protected abstract void BetheWriteChildrenCore(DeviceBetheBatch batch, long levelStart, int width, int total, int maxSize);

    public virtual void Dispose() => GC.SuppressFinalize(this);

    // ---- accounting and checks -----------------------------------------------------------------------------

    private long Begin()
    {
        if (Ledger is { TimeEachOp: true }) Synchronize();
        return Ledger?.Start() ?? 0;
    }

    /// <summary>Records the op in the ledger, if any; returns its wall time (zero unless the ledger times each op).</summary>
    private TimeSpan End(string op, OpCost cost, long startTimestamp)
    {
        if (Ledger is not { } ledger) return TimeSpan.Zero;
        if (ledger.TimeEachOp) Synchronize();
        var elapsed = ledger.TimeEachOp ? System.Diagnostics.Stopwatch.GetElapsedTime(startTimestamp) : TimeSpan.Zero;
        ledger.Record(op, cost, elapsed);
        return elapsed;
    }

    private void Require<T>(DeviceSlice<T> slice, long needed, string name) where T : unmanaged
    {
        if (!ReferenceEquals(slice.Buffer.Backend, this))
            throw new ArgumentException($"{name} belongs to another backend");
        if (slice.Buffer.IsDisposed) throw new ObjectDisposedException(name);
        if (slice.Length < needed)
            throw new ArgumentException($"{name} holds {slice.Length} elements, the op needs {needed}");
    }
}
