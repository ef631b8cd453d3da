namespace MiniTransformer.Compute.Device;

/// <summary>
/// The op set on top of compiled kernels/*.cl sources — shared by the OpenCL and CUDA backends, which only say how
/// to allocate, copy, and launch a named kernel with a <see cref="KernelArgs"/> list. Each op here is the launch
/// geometry and argument order of its kernel, so both devices run literally the same code.
/// </summary>
public abstract class KernelBackend : ComputeBackend
{
    /// <summary>Work-group size of the one-group-per-row kernels; must equal ROW_WG in kernels/common.cl.</summary>
    private const int RowGroup = 256;
    /// <summary>Work-group size of the element-wise kernels.</summary>
    private const int Linear = 256;
    /// <summary>Upper bound on groups for grid-stride kernels: enough to fill any device, few enough to stay cheap.</summary>
    private const int MaxStrideGroups = 4096;
    /// <summary>Rows per partial column sum; must equal COLSUM_CHUNK in elementwise.cl and LN_CHUNK in layernorm.cl.</summary>
    private const int RowChunk = 64;
    /// <summary>Must equal EMB_BUCKETS in kernels/embedding.cl.</summary>
    private const int EmbeddingBuckets = 32;

    private readonly Dictionary<string, DeviceBuffer<float>> _scratch = new();
    private readonly Dictionary<(int SeqLen, int HeadSize, float Theta), (DeviceBuffer<float> Cos, DeviceBuffer<float> Sin)> _ropeTables = new();

    /// <summary>Enqueues kernel <paramref name="kernel"/> of kernels/<paramref name="file"/> (compiled on first use).</summary>
    internal abstract void LaunchCore(string file, string kernel, LaunchShape shape, KernelArgs args);

    /// <summary>Launches unless the grid is empty (an op on zero rows or columns does nothing; APIs reject empty grids).</summary>
    private void Launch(string file, string kernel, LaunchShape shape, KernelArgs args)
    {
        if (shape.GroupsX > 0 && shape.GroupsY > 0 && shape.GroupsZ > 0) LaunchCore(file, kernel, shape, args);
    }

    /// <summary>Compiles kernels/<paramref name="file"/> now (normally done on first launch); throws <see cref="KernelBuildException"/> with the build log.</summary>
    public abstract void Prepare(string file);

    protected override void GemmCore(in GemmSpec s, DeviceSlice<float> a, DeviceSlice<float> b, DeviceSlice<float> c,
        GemmEpilogue epilogue, DeviceSlice<float>? bias, DeviceSlice<float>? preActivation)
    {
        var args = new KernelArgs().Int(s.M).Int(s.N).Int(s.K).Int(s.TransA).Int(s.TransB).Float(s.Alpha).Float(s.Beta)
            .Buffer(a).Long(s.BatchStrideA).Buffer(b).Long(s.BatchStrideB).Buffer(c).Long(s.BatchStrideC)
            .Int((int)epilogue).Buffer(bias ?? c).Buffer(preActivation ?? c);
        Launch("gemm.cl", "gemm", new LaunchShape(Groups(s.N, 64), Groups(s.M, 64), s.Batch, 16, 16), args);
    }

    protected override void GeluForwardCore(DeviceSlice<float> output, DeviceSlice<float> input, long n) =>
        Launch("elementwise.cl", "gelu_forward", Strided(n), new KernelArgs().Buffer(output).Buffer(input).Long(n));

    protected override void GeluBackwardCore(DeviceSlice<float> dInput, DeviceSlice<float> input, DeviceSlice<float> dOutput, long n) =>
        Launch("elementwise.cl", "gelu_backward", Strided(n), new KernelArgs().Buffer(dInput).Buffer(input).Buffer(dOutput).Long(n));

    protected override void ColumnSumCore(DeviceSlice<float> dst, DeviceSlice<float> src, int rows, int cols, bool accumulate)
    {
        int chunks = ChunkCount(rows);
        var partials = Scratch("column_partials", (long)chunks * cols);
        Launch("elementwise.cl", "column_sum_chunks", Covering((long)chunks * cols),
            new KernelArgs().Buffer(partials).Buffer(src).Int(rows).Int(cols));
        Launch("elementwise.cl", "column_sum", Covering(cols), new KernelArgs().Buffer(dst).Buffer(partials).Int(chunks).Int(cols).Int(accumulate));
    }

    protected override void AddCore(DeviceSlice<float> output, DeviceSlice<float> a, DeviceSlice<float> b, long n) =>
        Launch("elementwise.cl", "add", Strided(n), new KernelArgs().Buffer(output).Buffer(a).Buffer(b).Long(n));

    protected override void FillCore(DeviceSlice<float> output, float value) =>
        Launch("elementwise.cl", "fill", Strided(output.Length), new KernelArgs().Buffer(output).Float(value).Long(output.Length));

    protected override void CopyCore(DeviceSlice<float> output, DeviceSlice<float> input) =>
        Launch("elementwise.cl", "copy", Strided(input.Length), new KernelArgs().Buffer(output).Buffer(input).Long(input.Length));

    protected override void LayerNormForwardCore(DeviceSlice<float> output, DeviceSlice<float> mean, DeviceSlice<float> rstd,
        DeviceSlice<float> input, DeviceSlice<float> weight, DeviceSlice<float> bias, int rows, int cols, float epsilon) =>
        Launch("layernorm.cl", "layernorm_forward", LaunchShape.Linear(rows, RowGroup),
            new KernelArgs().Buffer(output).Buffer(mean).Buffer(rstd).Buffer(input).Buffer(weight).Buffer(bias).Int(cols).Float(epsilon));

    protected override void LayerNormBackwardCore(DeviceSlice<float> dInput, DeviceSlice<float> dWeight, DeviceSlice<float> dBias,
        DeviceSlice<float> dOutput, DeviceSlice<float> input, DeviceSlice<float> weight,
        DeviceSlice<float> mean, DeviceSlice<float> rstd, int rows, int cols)
    {
        // Parameter gradients first: they read dOutput, which the input kernel's caller may alias with dInput.
        int chunks = ChunkCount(rows);
        var partials = Scratch("layernorm_partials", 2L * chunks * cols);
        Launch("layernorm.cl", "layernorm_backward_params", Covering((long)chunks * cols),
            new KernelArgs().Buffer(partials).Buffer(dOutput).Buffer(input).Buffer(mean).Buffer(rstd).Int(rows).Int(cols));
        Launch("elementwise.cl", "column_sum", Covering(cols),
            new KernelArgs().Buffer(dBias).Buffer(partials.Slice(0, (long)chunks * cols)).Int(chunks).Int(cols).Int(true));
        Launch("elementwise.cl", "column_sum", Covering(cols),
            new KernelArgs().Buffer(dWeight).Buffer(partials.Slice((long)chunks * cols, (long)chunks * cols)).Int(chunks).Int(cols).Int(true));
        Launch("layernorm.cl", "layernorm_backward_input", LaunchShape.Linear(rows, RowGroup),
            new KernelArgs().Buffer(dInput).Buffer(dOutput).Buffer(input).Buffer(weight).Buffer(mean).Buffer(rstd).Int(cols));
    }

    protected override void RopeCore(DeviceSlice<float> qkv, int batch, int seqLen, int heads, int headSize, float theta, bool inverse)
    {
        var (cos, sin) = RopeTable(seqLen, headSize, theta);
        long pairs = (long)batch * seqLen * 2 * heads * (headSize / 2);
        Launch("rope.cl", "rope", Covering(pairs), new KernelArgs().Buffer(qkv).Buffer(cos.All).Buffer(sin.All)
            .Int(batch).Int(seqLen).Int(heads).Int(headSize).Float(inverse ? -1f : 1f));
    }

    protected override void AttentionForwardCore(DeviceSlice<float> output, DeviceSlice<float> att, DeviceSlice<float> qkv,
        int batch, int seqLen, int heads, int headSize, float scale)
    {
        Launch("attention.cl", "attention_scores", Covering((long)batch * heads * seqLen),
            new KernelArgs().Buffer(att).Buffer(qkv).Int(batch).Int(seqLen).Int(heads).Int(headSize).Float(scale));
        Launch("attention.cl", "attention_values", Covering((long)batch * seqLen * heads * headSize),
            new KernelArgs().Buffer(output).Buffer(att).Buffer(qkv).Int(batch).Int(seqLen).Int(heads).Int(headSize));
    }

    protected override void AttentionBackwardCore(DeviceSlice<float> dQkv, DeviceSlice<float> dOutput, DeviceSlice<float> qkv,
        DeviceSlice<float> att, int batch, int seqLen, int heads, int headSize, float scale)
    {
        var dPre = Scratch("attention_dpre", (long)batch * heads * seqLen * seqLen);
        Launch("attention.cl", "attention_dpre", Covering((long)batch * heads * seqLen),
            new KernelArgs().Buffer(dPre).Buffer(dOutput).Buffer(qkv).Buffer(att).Int(batch).Int(seqLen).Int(heads).Int(headSize));
        Launch("attention.cl", "attention_dqkv", Covering((long)batch * seqLen * heads * headSize),
            new KernelArgs().Buffer(dQkv).Buffer(dPre).Buffer(dOutput).Buffer(qkv).Buffer(att)
                .Int(batch).Int(seqLen).Int(heads).Int(headSize).Float(scale));
    }

    protected override void CrossEntropyCore(DeviceSlice<float> losses, DeviceSlice<float>? dLogits, DeviceSlice<float> logits,
        DeviceSlice<int> targets, int rows, int vocab, float gradScale) =>
        Launch("crossentropy.cl", "cross_entropy", LaunchShape.Linear(rows, RowGroup),
            new KernelArgs().Buffer(losses).Buffer(dLogits ?? logits).Buffer(logits).Buffer(targets)
                .Int(vocab).Float(gradScale).Int(dLogits.HasValue));

    protected override void EmbeddingForwardCore(DeviceSlice<float> output, DeviceSlice<int> tokens, DeviceSlice<float> wte,
        DeviceSlice<float>? wpe, int batch, int seqLen, int channels)
    {
        int rows = batch * seqLen;
        Launch("embedding.cl", "embedding_forward", Covering((long)rows * channels),
            new KernelArgs().Buffer(output).Buffer(tokens).Buffer(wte).Buffer(wpe ?? wte).Int(wpe.HasValue)
                .Int(rows).Int(seqLen).Int(channels));
    }

    protected override void EmbeddingBackwardCore(DeviceSlice<float> dWte, DeviceSlice<float>? dWpe, DeviceSlice<float> dOutput,
        DeviceSlice<int> tokens, int batch, int seqLen, int channels)
    {
        Launch("embedding.cl", "embedding_backward_tokens", Covering((long)EmbeddingBuckets * channels),
            new KernelArgs().Buffer(dWte).Buffer(dOutput).Buffer(tokens).Int(batch * seqLen).Int(channels));
        if (dWpe is { } p)
            Launch("embedding.cl", "embedding_backward_positions", Covering((long)seqLen * channels),
                new KernelArgs().Buffer(p).Buffer(dOutput).Int(batch).Int(seqLen).Int(channels));
    }

    protected override void AdamWCore(DeviceSlice<float> parameters, DeviceSlice<float> gradients, DeviceSlice<float> m,
        DeviceSlice<float> v, in AdamWStep step)
    {
        long n = parameters.Length;
        // Bias corrections in double, as PyTorch computes them in Python floats.
        float invBias1 = (float)(1.0 / (1.0 - Math.Pow(step.Beta1, step.Step)));
        float invBias2 = (float)(1.0 / (1.0 - Math.Pow(step.Beta2, step.Step)));
        Launch("adamw.cl", "adamw", Strided(n), new KernelArgs().Buffer(parameters).Buffer(gradients).Buffer(m).Buffer(v).Long(n)
            .Float(step.LearningRate).Float(step.Beta1).Float(step.Beta2).Float(step.Epsilon).Float(step.WeightDecay)
            .Float(step.GradScale).Float(invBias1).Float(invBias2));
    }

    protected override void ReduceCore(ReductionKind kind, DeviceSlice<float> destination, DeviceSlice<float> source, long n)
    {
        // The partition depends on n alone, so the summation tree (and the result's bits) is fixed for a given n.
        int groups = (int)Math.Clamp((n + 4095) / 4096, 1, RowGroup);
        long chunk = (n + groups - 1) / groups;
        var partials = Scratch("reduce_partials", RowGroup);
        Launch("reduce.cl", "reduce_partials", LaunchShape.Linear(groups, RowGroup),
            new KernelArgs().Buffer(partials).Buffer(source).Long(n).Long(chunk).Int((int)kind));
        Launch("reduce.cl", "reduce_final", LaunchShape.Linear(1, RowGroup),
            new KernelArgs().Buffer(destination).Buffer(partials).Int(groups).Int((int)kind));
    }

    protected override void SquaredDistanceTopKCore(DeviceSlice<int> indices, DeviceSlice<float> distances,
        DeviceSlice<float> queries, DeviceSlice<float> points, int queryCount, int pointCount, int dim, int k)
    {
        Launch("topk.cl", "distance_topk", Covering(queryCount, 64),
            new KernelArgs().Buffer(indices).Buffer(distances).Buffer(queries).Buffer(points)
                .Int(queryCount).Int(pointCount).Int(dim).Int(k));
    }

    protected override void SampleWalksCore(DeviceSlice<int> tokens, DeviceWalkTables tables, int length, long firstWalk, int count, ulong seed)
    {
        Launch("walks.cl", "sample_walks", Covering(count, 64),
            new KernelArgs().Buffer(tokens).Buffer(tables.Offsets).Buffer(tables.Neighbors).Buffer(tables.Threshold)
                .Buffer(tables.Alias).Buffer(tables.StartThreshold).Buffer(tables.StartAlias)
                .Int(tables.NodeCount).Int(length).Long(firstWalk).Int(count).ULong(seed));
    }

    protected override void SplitSequencesCore(DeviceSlice<int> inputs, DeviceSlice<int> targets, DeviceSlice<int> sequences, int count, int length)
    {
        Launch("walks.cl", "split_sequences", Covering((long)count * (length - 1)),
            new KernelArgs().Buffer(inputs).Buffer(targets).Buffer(sequences).Int(count).Int(length));
    }

    // ---- percolation (kernels/percolation.cl) ---------------------------------------------------------------

    /// <summary>Must equal SCAN_WG in kernels/percolation.cl.</summary>
    private const int ScanGroup = 256;

    protected override int LabelClustersCore(DeviceSlice<int> labels, int n, int dimension, int side, bool periodic)
    {
        using var changed = Allocate<int>(1);
        Span<int> flag = stackalloc int[1];
        Launch("percolation.cl", "label_init", Covering(n), new KernelArgs().Buffer(labels).Int(n));
        int passes = 0;
        do
        {
            flag[0] = 0;
            Upload<int>(flag, changed);
            Launch("percolation.cl", "label_hook", Covering(n),
                new KernelArgs().Buffer(labels).Buffer(changed.All).Int(n).Int(dimension).Int(side).Int(periodic));
            Launch("percolation.cl", "label_jump", Covering(n), new KernelArgs().Buffer(labels).Int(n));
            Download(changed.All, flag);
            passes++;
        } while (flag[0] != 0);
        return passes;
    }

    protected override int BetheCountChildrenCore(DeviceBetheBatch batch, long levelStart, int width)
    {
        var counts = batch.Offsets.Slice(0, width);
        Launch("percolation.cl", "bethe_count_children", Covering(width),
            new KernelArgs().Buffer(counts).Buffer(batch.SiteCluster).Buffer(batch.SiteLocal).Buffer(batch.ClusterSizes)
                .Buffer(batch.RootThresholds).Int(batch.RootTrials).Buffer(batch.ChildThresholds).Int(batch.ChildTrials)
                .Long(levelStart).Int(width).Long(batch.FirstTrial).ULong(batch.Seed));
        int groups = Groups(width, ScanGroup);
        using var sums = Allocate<int>(groups);
        Launch("percolation.cl", "scan_blocks", LaunchShape.Linear(groups, ScanGroup),
            new KernelArgs().Buffer(counts).Buffer(sums.All).Int(width));
        Launch("percolation.cl", "scan_sums", LaunchShape.Linear(1, ScanGroup),
            new KernelArgs().Buffer(sums.All).Int(groups).Buffer(batch.Offsets.Slice(width, 1)));
        Launch("percolation.cl", "scan_add", Covering(width), new KernelArgs().Buffer(counts).Buffer(sums.All).Int(width));
        Span<int> total = stackalloc int[1];
        Download(batch.Offsets.Slice(width, 1), total);
        return total[0];
    }

    protected override void BetheWriteChildrenCore(DeviceBetheBatch batch, long levelStart, int width, int total, int maxSize)
    {
        Launch("percolation.cl", "bethe_level_first", Covering(width),
            new KernelArgs().Buffer(batch.LevelFirst).Buffer(batch.Offsets).Buffer(batch.SiteCluster).Long(levelStart).Int(width));
        if (total > 0)
            Launch("percolation.cl", "bethe_children", Covering(width),
                new KernelArgs().Buffer(batch.SiteCluster).Buffer(batch.SiteLocal).Buffer(batch.SiteParent).Buffer(batch.Offsets)
                    .Buffer(batch.LevelFirst).Buffer(batch.ClusterSizes).Long(levelStart).Int(width));
        Launch("percolation.cl", "bethe_sizes", Covering(width),
            new KernelArgs().Buffer(batch.ClusterSizes).Buffer(batch.LevelFirst).Buffer(batch.Offsets).Buffer(batch.SiteCluster)
                .Long(levelStart).Int(width).Int(maxSize));
    }

    public override void Dispose()
    {
        foreach (var buffer in _scratch.Values) buffer.Dispose();
        _scratch.Clear();
        foreach (var (cos, sin) in _ropeTables.Values) { cos.Dispose(); sin.Dispose(); }
        _ropeTables.Clear();
        base.Dispose();
    }

    protected override void RopeAtCore(DeviceSlice<float> qkv, int batch, int heads, int headSize, int position, float theta)
    {
        // Table rows do not depend on its length: a power-of-two table serves every position below it (few tables, same floats).
        var (cos, sin) = RopeTable((int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(position + 1, 64)), headSize, theta);
        Launch("decode.cl", "rope_at", Covering((long)batch * heads * headSize), new KernelArgs().Buffer(qkv).Buffer(cos.All).Buffer(sin.All)
            .Int(batch).Int(heads).Int(headSize).Int(position));
    }

    protected override void KvCacheAppendCore(DeviceSlice<float> kCache, DeviceSlice<float> vCache, DeviceSlice<float> qkv,
        int batch, int heads, int headSize, int capacity, int position) =>
        Launch("decode.cl", "kv_append", Covering((long)batch * heads * headSize), new KernelArgs().Buffer(kCache).Buffer(vCache)
            .Buffer(qkv).Int(batch).Int(heads).Int(headSize).Int(capacity).Int(position));

    protected override void AttentionDecodeCore(DeviceSlice<float> output, DeviceSlice<float> qkv, DeviceSlice<float> kCache,
        DeviceSlice<float> vCache, int batch, int heads, int headSize, int capacity, int length, float scale)
    {
        var scores = Scratch("attention_decode_scores", (long)batch * heads * capacity);
        Launch("decode.cl", "attention_decode", LaunchShape.Linear(batch * heads, RowGroup), new KernelArgs().Buffer(output).Buffer(qkv)
            .Buffer(kCache).Buffer(vCache).Buffer(scores).Int(heads).Int(headSize).Int(capacity).Int(length).Float(scale));
    }

    // ---- helpers -------------------------------------------------------------------------------------------

    private static int Groups(long items, int perGroup)
    {
        long groups = (items + perGroup - 1) / perGroup;
        if (groups > int.MaxValue) throw new ArgumentException($"{items} work-items exceed one launch");
        return (int)groups;
    }

    private static int ChunkCount(int rows) => (rows + RowChunk - 1) / RowChunk;

    /// <summary>One work-item per item (the kernel bounds-checks the tail).</summary>
    private static LaunchShape Covering(long items, int local = Linear) => LaunchShape.Linear(Groups(items, local), local);

    /// <summary>A grid-stride launch: kernels loop until n, so the group count can be capped.</summary>
    private static LaunchShape Strided(long n) => LaunchShape.Linear((int)Math.Min(Groups(n, Linear), MaxStrideGroups), Linear);

    /// <summary>A device buffer of at least <paramref name="length"/> floats reused across launches (ops run in order on one queue).</summary>
    private DeviceSlice<float> Scratch(string name, long length)
    {
        if (!_scratch.TryGetValue(name, out var buffer) || buffer.Length < length)
        {
            if (buffer is not null)
            {
                Synchronize(); // earlier launches may still read the old allocation
                buffer.Dispose();
            }
            buffer = Allocate<float>(Math.Max(length, 1));
            _scratch[name] = buffer;
        }
        return buffer.Slice(0, length);
    }

    /// <summary>cos/sin of t·θ^(−2i/HS) for t &lt; T, i &lt; HS/2, computed in double on the host and cached per shape.</summary>
    private (DeviceBuffer<float> Cos, DeviceBuffer<float> Sin) RopeTable(int seqLen, int headSize, float theta)
    {
        var key = (seqLen, headSize, theta);
        if (_ropeTables.TryGetValue(key, out var table)) return table;
        int half = headSize / 2;
        var cos = new float[Math.Max(seqLen * half, 1)];
        var sin = new float[cos.Length];
        for (int t = 0; t < seqLen; t++)
            for (int i = 0; i < half; i++)
            {
                double angle = t * Math.Pow(theta, -2.0 * i / headSize);
                cos[t * half + i] = (float)Math.Cos(angle);
                sin[t * half + i] = (float)Math.Sin(angle);
            }
        table = (UploadNew<float>(cos), UploadNew<float>(sin));
        _ropeTables[key] = table;
        return table;
    }
}
