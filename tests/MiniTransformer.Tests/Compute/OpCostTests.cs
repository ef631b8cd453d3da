using MiniTransformer.Compute;

namespace MiniTransformer.Tests.Compute;

/// <summary>
/// The declared costs against independent counts. FLOPs: a counter walks the loops of a float64 implementation of
/// each op and adds the operations the OpCosts conventions name (multiply-add 2; add, multiply, divide, max,
/// transcendental 1; index work 0). Bytes: the set of distinct tensor elements the loops read and write, 4 bytes
/// each, with read-modify-write outputs counted both ways.
/// </summary>
public class OpCostTests
{
    /// <summary>Distinct (tensor, index) pairs read and written while walking an op's loops.</summary>
    private sealed class Traffic
    {
        private readonly HashSet<(string, long)> _reads = [], _writes = [];
        public long Flops;
        public void Read(string tensor, long index) => _reads.Add((tensor, index));
        public void Write(string tensor, long index) => _writes.Add((tensor, index));
        public void ReadAll(string tensor, long n) { for (long i = 0; i < n; i++) Read(tensor, i); }
        public void WriteAll(string tensor, long n) { for (long i = 0; i < n; i++) Write(tensor, i); }
        public OpCost Cost => new(Flops, 4 * _reads.Count, 4 * _writes.Count);
    }

    public static TheoryData<int, int, int, bool, bool, float, float, int, long?, GemmEpilogue> GemmCases => new()
    {
        { 3, 5, 7, false, false, 1f, 0f, 1, null, GemmEpilogue.None },
        { 3, 5, 7, true, true, 0.5f, 2f, 1, null, GemmEpilogue.Bias },
        { 4, 6, 2, false, true, 1f, 0f, 3, null, GemmEpilogue.BiasGelu },
        { 4, 6, 2, true, false, 1f, 1f, 3, 0L, GemmEpilogue.None },
    };

    [Theory]
    [MemberData(nameof(GemmCases))]
    public void Gemm(int m, int n, int k, bool ta, bool tb, float alpha, float beta, int batch, long? strideA, GemmEpilogue epilogue)
    {
        var s = new GemmSpec(m, n, k, ta, tb, alpha, beta, batch, StrideA: strideA);
        var t = new Traffic();
        for (int bi = 0; bi < batch; bi++)
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++)
                {
                    for (int kk = 0; kk < k; kk++)
                    {
                        t.Read("A", bi * s.BatchStrideA + (ta ? (long)kk * m + i : (long)i * k + kk));
                        t.Read("B", bi * s.BatchStrideB + (tb ? (long)j * k + kk : (long)kk * n + j));
                        t.Flops += 2;
                    }
                    long c = bi * s.BatchStrideC + (long)i * n + j;
                    if (alpha != 1f) t.Flops += 1;
                    if (beta != 0f) { t.Read("C", c); t.Flops += 2; }
                    if (epilogue != GemmEpilogue.None) { t.Read("bias", j); t.Flops += 1; }
                    if (epilogue == GemmEpilogue.BiasGelu) { t.Write("pre", c); t.Flops += 9; }
                    t.Write("C", c);
                }
        Assert.Equal(t.Cost, OpCosts.Gemm(s, epilogue));
        Assert.Equal(2L * m * n * k * batch, OpCosts.Gemm(new GemmSpec(m, n, k, Batch: batch), GemmEpilogue.None).Flops);
    }

    [Fact]
    public void Elementwise()
    {
        const int n = 37;
        Assert.Equal(new OpCost(9 * n, 4 * n, 4 * n), OpCosts.GeluForward(n));     // x², x³, ·c, +x, ·√(2/π), tanh, 1+, ·x, ·½
        Assert.Equal(new OpCost(18 * n, 8 * n, 4 * n), OpCosts.GeluBackward(n));   // reads x and dy
        Assert.Equal(new OpCost(n, 8 * n, 4 * n), OpCosts.Add(n));
        Assert.Equal(new OpCost(0, 0, 4 * n), OpCosts.Fill(n));
        Assert.Equal(new OpCost(0, 4 * n, 4 * n), OpCosts.Copy(n));
        Assert.Equal(new OpCost(5 * 7, 4 * (5 * 7), 4 * 7), OpCosts.ColumnSum(5, 7, accumulate: false));
        Assert.Equal(new OpCost(5 * 7, 4 * (5 * 7 + 7), 4 * 7), OpCosts.ColumnSum(5, 7, accumulate: true));
        Assert.Equal(new OpCost(17 * 11, 4 * 4 * 11, 4 * 3 * 11), OpCosts.AdamW(11)); // reads θ, g, m, v; writes θ, m, v
    }

    [Fact]
    public void LayerNorm()
    {
        const int rows = 3, cols = 5;
        var f = new Traffic();
        for (int r = 0; r < rows; r++)
        {
            for (int i = 0; i < cols; i++) { f.Read("x", r * cols + i); f.Flops += 1; }      // Σx
            f.Flops += 1;                                                                     // ÷C
            for (int i = 0; i < cols; i++) f.Flops += 3;                                      // (x−μ)², Σ
            f.Flops += 1 + 3;                                                                 // ÷C; +ε, √, 1/
            for (int i = 0; i < cols; i++) { f.Read("w", i); f.Read("b", i); f.Write("y", r * cols + i); f.Flops += 4; }
            f.Write("mean", r); f.Write("rstd", r);
        }
        Assert.Equal(f.Cost, OpCosts.LayerNormForward(rows, cols));

        var b = new Traffic();
        for (int r = 0; r < rows; r++)
        {
            b.Read("mean", r); b.Read("rstd", r);
            for (int i = 0; i < cols; i++)
            {
                b.Read("x", r * cols + i); b.Read("dy", r * cols + i); b.Read("w", i);
                b.Flops += 2 + 1 + 3;                                  // x̂ = (x−μ)·s; w·dy; Σ g, Σ g·x̂ (1 + 2)
            }
            b.Flops += 2;                                              // the two ÷C
            for (int i = 0; i < cols; i++)
            {
                b.Read("dw", i); b.Read("db", i); b.Read("dx", r * cols + i);
                b.Flops += 3;                                          // db += dy; dw += x̂·dy
                b.Flops += 5;                                          // (g − m₁ − x̂·m₂)·s, +=
                b.Write("dw", i); b.Write("db", i); b.Write("dx", r * cols + i);
            }
        }
        Assert.Equal(b.Cost, OpCosts.LayerNormBackward(rows, cols));
    }

    [Fact]
    public void RopeAndAttention()
    {
        const int batch = 2, seqLen = 5, heads = 3, headSize = 4, c = heads * headSize;
        var rope = new Traffic();
        for (int token = 0; token < batch * seqLen; token++)
            for (int part = 0; part < 2; part++)
                for (int h = 0; h < heads; h++)
                    for (int i = 0; i < headSize / 2; i++)
                        foreach (int e in new[] { i, i + headSize / 2 })
                        {
                            long at = (token * 3 + part) * c + h * headSize + e;
                            rope.Read("qkv", at); rope.Write("qkv", at);
                            rope.Flops += 3;                           // half of a pair's 2 multiplies + 1 add each side
                        }
        Assert.Equal(rope.Cost, OpCosts.Rope(batch, seqLen, heads, headSize));

        long visible = 0;
        for (int t = 0; t < seqLen; t++)
            for (int t2 = 0; t2 <= t; t2++) visible++;
        visible *= batch * heads;
        var forwardBytes = new OpCost(0, 4L * 3 * batch * seqLen * c, 4L * (batch * seqLen * c + batch * heads * seqLen * seqLen));
        Assert.Equal(new OpCost(visible * (2 * headSize + 6 + 2 * headSize), forwardBytes.BytesRead, forwardBytes.BytesWritten),
            OpCosts.AttentionForward(batch, seqLen, heads, headSize));
        Assert.Equal(new OpCost(visible * (4 * 2 * headSize + 4 + 1),
                4L * (batch * seqLen * c + 3 * batch * seqLen * c + batch * heads * seqLen * seqLen), 4L * 3 * batch * seqLen * c),
            OpCosts.AttentionBackward(batch, seqLen, heads, headSize));
    }

    [Fact]
    public void CrossEntropyEmbeddingReductionsTopKWalks()
    {
        const int rows = 3, vocab = 7;
        // max (V), exp(x − max) (2V), Σ (V), log + loss (3); gradient: ÷Σ (V), −1 (1), ·scale (V)
        Assert.Equal(new OpCost(rows * (4 * vocab + 3), 4 * (rows * vocab + rows), 4 * rows), OpCosts.CrossEntropy(rows, vocab, false));
        Assert.Equal(new OpCost(rows * (6 * vocab + 4), 4 * (rows * vocab + rows), 4 * (rows + rows * vocab)), OpCosts.CrossEntropy(rows, vocab, true));

        const int batch = 2, seqLen = 3, channels = 5, n = batch * seqLen * channels;
        Assert.Equal(new OpCost(0, 4 * (n + batch * seqLen), 4 * n), OpCosts.EmbeddingForward(batch, seqLen, channels, false));
        Assert.Equal(new OpCost(n, 4 * (n + batch * seqLen + seqLen * channels), 4 * n), OpCosts.EmbeddingForward(batch, seqLen, channels, true));
        // scatter-add: per row of dOut one add into dWte (and one into dWpe), the touched rows read and written
        Assert.Equal(new OpCost(n, 4 * (n + batch * seqLen + n), 4 * n), OpCosts.EmbeddingBackward(batch, seqLen, channels, false));
        Assert.Equal(new OpCost(2 * n, 4 * (n + batch * seqLen + 2 * n), 4 * 2 * n), OpCosts.EmbeddingBackward(batch, seqLen, channels, true));

        Assert.Equal(new OpCost(11, 44, 4), OpCosts.Reduce(ReductionKind.Sum, 11));
        Assert.Equal(new OpCost(11, 44, 4), OpCosts.Reduce(ReductionKind.Max, 11));
        Assert.Equal(new OpCost(22, 44, 4), OpCosts.Reduce(ReductionKind.SumOfSquares, 11));

        long topkFlops = 0;
        for (int q = 0; q < 4; q++)
            for (int p = 0; p < 9; p++)
            {
                for (int d = 0; d < 3; d++) topkFlops += 3;   // subtract, multiply, add
                topkFlops += 1;                                // compare with the current k-th best
            }
        Assert.Equal(new OpCost(topkFlops, 4 * (4 + 9) * 3, 2 * 4 * 4 * 2), OpCosts.SquaredDistanceTopK(4, 9, 3, 2));

        // walk start: 2 table reads; each later step: 2 CSR bounds + threshold, alias, neighbour
        Assert.Equal(new OpCost(0, 4 * 5 * (2 + 5 * 7), 4 * 5 * 8), OpCosts.SampleWalks(5, 8));

        // split: every token of 5 sequences of 8 read once; 7 inputs and 7 targets written per sequence
        var split = new Traffic();
        split.ReadAll("sequences", 5 * 8);
        for (int row = 0; row < 5; row++)
            for (int t = 0; t < 7; t++) { split.Write("inputs", row * 7 + t); split.Write("targets", row * 7 + t); }
        Assert.Equal(split.Cost, OpCosts.SplitSequences(5, 8));
    }
}
