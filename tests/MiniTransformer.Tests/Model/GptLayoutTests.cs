using MiniTransformer.Model;

namespace MiniTransformer.Tests.Model;

public class GptLayoutTests
{
    /// <summary>Closed form: wte V·C (+ wpe T·C), per block 12C² + 13C (qkv 3C²+3C, proj C²+C, MLP 8C²+5C, two LNs 4C), lnf 2C (+ lm_head V·C).</summary>
    [Theory]
    [InlineData(37, 7, 2, 32, true, PositionEncoding.Rotary)]
    [InlineData(1024, 50, 2, 128, false, PositionEncoding.Learned)]
    [InlineData(8192, 50, 4, 256, true, PositionEncoding.Rotary)]
    public void ParameterCountsMatchTheClosedForm(int v, int t, int l, int c, bool tied, PositionEncoding positions)
    {
        var layout = new ParameterLayout(new GptConfig(v, t, l, c, TiedEmbeddings: tied, Positions: positions));
        long blocks = l * (12L * c * c + 13L * c);
        long embeddings = (long)v * c + (positions == PositionEncoding.Learned ? (long)t * c : 0) + (tied ? 0 : (long)v * c);
        Assert.Equal(blocks + 2L * c, layout.NonEmbeddingCount);
        Assert.Equal(blocks + 2L * c + embeddings, layout.Count);
    }

    [Fact]
    public void TensorsTileTheBufferAndEachRoleIsOneContiguousGroup()
    {
        var layout = new ParameterLayout(new GptConfig(37, 7, 3, 64, TiedEmbeddings: false, Positions: PositionEncoding.Learned));
        long next = 0;
        foreach (var t in layout.Tensors) { Assert.Equal(next, t.Offset); next += t.Length; }
        Assert.Equal(layout.Count, next);
        Assert.Equal(4, layout.Groups.Count);
        Assert.Equal(layout.Count, layout.Groups.Sum(g => g.Length));
        foreach (var t in layout.Tensors)
        {
            var g = layout.Groups.Single(x => x.Role == t.Role);
            Assert.InRange(t.Offset, g.Offset, g.Offset + g.Length - t.Length);
        }
    }

    [Fact]
    public void HeadsDefaultToMaxOfFourAndWidthOver64()
    {
        Assert.Equal(4, new GptConfig(10, 5, 1, 128).HeadCount);
        Assert.Equal(4, new GptConfig(10, 5, 1, 256).HeadCount);
        Assert.Equal(8, new GptConfig(10, 5, 1, 512).HeadCount);
        Assert.Equal(16, new GptConfig(10, 5, 1, 1024).HeadCount);
        Assert.Equal(6, new GptConfig(10, 5, 1, 384, Heads: 6).HeadCount);
    }

    [Fact]
    public void MupMultipliersFollowTheWidthMultiplier()
    {
        var mup = new GptConfig(10, 5, 1, 512, Parameterization.Mup, BaseWidth: 128);
        Assert.Equal(4.0, mup.WidthMultiplier);
        Assert.Equal(0.25f, mup.ReadoutMultiplier);
        Assert.Equal(0.25f, mup.HiddenLearningRateMultiplier);
        Assert.Equal(1f / 64, mup.AttentionScale);   // 8 heads of 64: 1/d_head
        var sp = mup with { Parameterization = Parameterization.Sp };
        Assert.Equal(1f, sp.ReadoutMultiplier);
        Assert.Equal(1f / 8, sp.AttentionScale);      // 1/√64
    }

    [Theory]
    [InlineData(1, 5, 1, 32, null)]      // a vocabulary of one token
    [InlineData(10, 5, 0, 32, null)]     // no layers
    [InlineData(10, 5, 1, 30, null)]     // 30 is not divisible by 4 heads
    [InlineData(10, 5, 1, 36, 12)]       // head size 3 cannot be rotated in pairs
    public void ImpossibleConfigsAreUserErrors(int v, int t, int l, int c, int? heads) =>
        Assert.Throws<UserInputException>(() => new GptConfig(v, t, l, c, Heads: heads).Validate());

    [Fact]
    public void InitialisationFollowsTheParameterisation()
    {
        var config = new GptConfig(64, 8, 2, 256, Parameterization.Mup, BaseWidth: 64, TiedEmbeddings: false);
        var layout = new ParameterLayout(config);
        var w = GptInitializer.Initialize(layout, seed: 7);
        Assert.Equal(w, GptInitializer.Initialize(layout, seed: 7));
        double Std(string name, int skip = 0)
        {
            var t = layout[name];
            var s = w.AsSpan((int)t.Offset + skip, (int)t.Length - skip);
            double sum = 0, sq = 0;
            foreach (var x in s) { sum += x; sq += (double)x * x; }
            return Math.Sqrt(sq / s.Length - sum * sum / s.Length / s.Length);
        }
        // m = 4: hidden std 0.02/2, residual projections further /√(2·2); the query rows of qkv are zero.
        Assert.Equal(0.02, Std("wte"), 0.02 * 0.03);
        Assert.Equal(0.01, Std("h0.fc.w"), 0.01 * 0.02);
        Assert.Equal(0.005, Std("h1.fcproj.w"), 0.005 * 0.02);
        Assert.Equal(0.01, Std("h0.qkv.w", skip: 256 * 256), 0.01 * 0.02);
        Assert.All(w.AsSpan((int)layout["h0.qkv.w"].Offset, 256 * 256).ToArray(), x => Assert.Equal(0f, x));
        Assert.All(w.AsSpan((int)layout["lm_head"].Offset, (int)layout["lm_head"].Length).ToArray(), x => Assert.Equal(0f, x));
        Assert.All(w.AsSpan((int)layout["h1.ln2.w"].Offset, 256).ToArray(), x => Assert.Equal(1f, x));
        Assert.All(w.AsSpan((int)layout["h1.fc.b"].Offset, 1024).ToArray(), x => Assert.Equal(0f, x));
    }
}
