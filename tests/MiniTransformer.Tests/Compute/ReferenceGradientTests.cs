namespace MiniTransformer.Tests.Compute;

/// <summary>
/// The hand-derived float64 backward functions the backend tests rely on, against central differences of the
/// float64 forward functions: for a random upstream gradient g, ∂(g·f(x))/∂x by both routes.
/// </summary>
public class ReferenceGradientTests
{
    private const double Tolerance = 1e-6;

    [Fact]
    public void Gelu()
    {
        var x = TestData.ToDouble(TestData.Random(40, 1, 5f));
        var g = TestData.ToDouble(TestData.Random(40, 2));
        var numeric = TestData.NumericalGradient(x, v => TestData.Dot(g, v.Select(Reference64.Gelu).ToArray()));
        TestData.AssertClose(numeric, x.Select((v, i) => Reference64.GeluDerivative(v) * g[i]).ToArray(), Tolerance, "gelu'");
    }

    [Fact]
    public void LayerNorm()
    {
        const int rows = 3, cols = 7;
        var x = TestData.ToDouble(TestData.Random(rows * cols, 3, 2f));
        var w = TestData.ToDouble(TestData.Random(cols, 4));
        var b = TestData.ToDouble(TestData.Random(cols, 5));
        var g = TestData.ToDouble(TestData.Random(rows * cols, 6));
        var (dx, dw, db) = Reference64.LayerNormBackward(g, x, w, rows, cols, 1e-5);
        double Loss(double[] xx, double[] ww, double[] bb) => TestData.Dot(g, Reference64.LayerNorm(xx, ww, bb, rows, cols, 1e-5).Y);
        TestData.AssertClose(TestData.NumericalGradient(x, v => Loss(v, w, b)), dx, Tolerance, "layernorm dx");
        TestData.AssertClose(TestData.NumericalGradient(w, v => Loss(x, v, b)), dw, Tolerance, "layernorm dw");
        TestData.AssertClose(TestData.NumericalGradient(b, v => Loss(x, w, v)), db, Tolerance, "layernorm db");
    }

    [Fact]
    public void Attention()
    {
        const int batch = 2, seqLen = 5, heads = 2, headSize = 3;
        double scale = 1 / Math.Sqrt(headSize);
        var qkv = TestData.ToDouble(TestData.Random(batch * seqLen * 3 * heads * headSize, 7, 2f));
        var g = TestData.ToDouble(TestData.Random(batch * seqLen * heads * headSize, 8));
        var numeric = TestData.NumericalGradient(qkv, v => TestData.Dot(g, Reference64.Attention(v, batch, seqLen, heads, headSize, scale).Out));
        TestData.AssertClose(numeric, Reference64.AttentionBackward(g, qkv, batch, seqLen, heads, headSize, scale), Tolerance, "attention dqkv");
    }

    /// <summary>RoPE is a rotation, so its backward is the inverse rotation applied to the upstream gradient.</summary>
    [Fact]
    public void RopeBackwardIsTheInverseRotation()
    {
        const int batch = 1, seqLen = 6, heads = 2, headSize = 4;
        var qkv = TestData.ToDouble(TestData.Random(batch * seqLen * 3 * heads * headSize, 9));
        var g = TestData.ToDouble(TestData.Random(qkv.Length, 10));
        var numeric = TestData.NumericalGradient(qkv, v => TestData.Dot(g, Reference64.Rope(v, batch, seqLen, heads, headSize, 10000, false)));
        TestData.AssertClose(numeric, Reference64.Rope(g, batch, seqLen, heads, headSize, 10000, inverse: true), Tolerance, "rope backward");
    }

    [Fact]
    public void CrossEntropy()
    {
        const int rows = 3, vocab = 5;
        var logits = TestData.ToDouble(TestData.Random(rows * vocab, 11, 3f));
        int[] targets = [4, 0, 2];
        var (_, d) = Reference64.CrossEntropy(logits, targets, rows, vocab, gradScale: 1.0 / rows);
        var numeric = TestData.NumericalGradient(logits, v => Reference64.CrossEntropy(v, targets, rows, vocab, 1).Losses.Sum() / rows);
        TestData.AssertClose(numeric, d, Tolerance, "cross-entropy dlogits");
    }

    [Fact]
    public void Embedding()
    {
        const int batch = 2, seqLen = 3, channels = 4, vocab = 5;
        int[] tokens = [1, 4, 1, 0, 1, 3];
        var wte = TestData.ToDouble(TestData.Random(vocab * channels, 12));
        var wpe = TestData.ToDouble(TestData.Random(seqLen * channels, 13));
        var g = TestData.ToDouble(TestData.Random(batch * seqLen * channels, 14));
        var (dwte, dwpe) = Reference64.EmbeddingBackward(g, tokens, vocab, batch, seqLen, channels);
        TestData.AssertClose(TestData.NumericalGradient(wte, v => TestData.Dot(g, Reference64.Embedding(tokens, v, wpe, batch, seqLen, channels))), dwte, Tolerance, "dwte");
        TestData.AssertClose(TestData.NumericalGradient(wpe, v => TestData.Dot(g, Reference64.Embedding(tokens, wte, v, batch, seqLen, channels))), dwpe, Tolerance, "dwpe");
    }
}
