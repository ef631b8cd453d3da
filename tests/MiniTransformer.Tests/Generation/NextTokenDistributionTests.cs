using MiniTransformer.Generation;
using MiniTransformer.Language;
using MiniTransformer.Tests.Compute;

namespace MiniTransformer.Tests.Generation;

/// <summary>
/// <see cref="NextTokenDistribution.Draw"/> against a float64 inverse CDF (weights exp((z − max)/T) by Math.Exp, the
/// k largest kept by sorting, cumulative sums token by token). The two agree wherever the target u·S is further than
/// δ = 1e-5 (in probability) from a step of the reference CDF — the draw's float32 weights are within ~1e-6 relative
/// of the reference's — so u is put δ either side of the end of every 16-token block (where the draw moves from its
/// block sums to the tokens inside a block), at 0, near 1, and at random points away from every step.
/// </summary>
public class NextTokenDistributionTests
{
    private const double Delta = 1e-5;

    public static TheoryData<int, double, int> Cases() => new()
    {
        { 8192, 1.0, 0 }, { 1007, 1.0, 0 }, { 1007, 0.7, 0 }, { 1007, 1.6, 40 }, { 8192, 1.0, 300 }, { 17, 1.0, 0 }, { 12, 0.8, 5 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void DrawsTheTokenOfTheFloat64InverseCdf(int vocab, double temperature, int topK)
    {
        var logits = TestData.Random(vocab, seed: vocab + topK, scale: 3f);
        logits[vocab / 2] = logits[vocab / 3];   // a tie, so top-k's lower-index rule matters when both are near the cut
        var options = new SamplingOptions(temperature, topK);
        var p = TransformerSamplerTests.Probabilities(logits, options);
        var cdf = new double[vocab];
        double running = 0;
        for (int j = 0; j < vocab; j++) cdf[j] = running += p[j];
        var kept = Enumerable.Range(0, vocab).Where(j => p[j] > 0).ToArray();
        var scratch = new NextTokenDistribution.Scratch(vocab, topK);

        void Check(double u, int expected, string where)
        {
            int token = NextTokenDistribution.Draw(logits, options, u, scratch, out double negLogProb);
            Assert.True(expected == token, $"V = {vocab}, T = {temperature}, k = {topK}, u = {u:R} ({where}): drew {token}, the float64 inverse CDF gives {expected}");
            Assert.Equal(-Math.Log(p[token]), negLogProb, 1e-5);
        }

        int boundaries = 0;
        for (int end = 16; end < vocab; end += 16)
        {
            // The last kept token at or before the block end, and the first kept one after it.
            int i = Array.FindLastIndex(kept, j => j < end);
            if (i < 0 || i + 1 == kept.Length) continue;
            int below = kept[i], above = kept[i + 1];
            if (p[below] <= 2 * Delta || p[above] <= 2 * Delta) continue;
            Check(cdf[below] - Delta, below, $"just below the end of block {end / 16 - 1}");
            Check(cdf[below] + Delta, above, $"just above the end of block {end / 16 - 1}");
            boundaries++;
        }
        Assert.True(boundaries >= Math.Min(10, Math.Min((vocab - 1) / 16, (kept.Length - 1) / 2)), $"only {boundaries} block ends were testable");
        Check(0, kept[0], "u = 0");
        if (p[kept[^1]] > 2 * Delta) Check(1 - Delta, kept[^1], "u near 1");

        var rng = new Random(vocab * 31 + topK);
        int checkedPoints = 0;
        while (checkedPoints < 200)
        {
            double u = rng.NextDouble();
            int j = Array.FindIndex(cdf, c => c > u);
            if (j < 0 || cdf[j] - u < Delta || u - (cdf[j] - p[j]) < Delta) continue;
            Check(u, j, "random");
            checkedPoints++;
        }
    }

    [Fact]
    public void TheDrawIsAPureFunctionOfLogitsOptionsAndU()
    {
        // Scratch left dirty by a longer row and a different top-k must not leak into the next draw.
        var logits = TestData.Random(301, seed: 4, scale: 4f);
        var options = new SamplingOptions(0.9, 7);
        var fresh = new NextTokenDistribution.Scratch(301, 7);
        var reused = new NextTokenDistribution.Scratch(1000, 7);
        NextTokenDistribution.Draw(TestData.Random(1000, seed: 5), new SamplingOptions(1.3), 0.5, reused, out _);
        for (double u = 0; u < 1; u += 0.0137)
        {
            int a = NextTokenDistribution.Draw(logits, options, u, fresh, out double nlpA);
            int b = NextTokenDistribution.Draw(logits, options, u, reused, out double nlpB);
            Assert.Equal(a, b);
            Assert.Equal(nlpA, nlpB);
        }
    }
}
