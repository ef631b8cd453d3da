using MathNet.Numerics.LinearAlgebra;
using MiniTransformer.Language;
using MiniTransformer.Tests.Data;

namespace MiniTransformer.Tests.Language;

/// <summary>
/// The bigram generator: its probabilities and exact entropy rate against hand-worked chains and a dense float64
/// linear solve; its sampler against those probabilities (χ², the CLT), and its determinism under chunking/threads.
/// </summary>
public sealed class BigramTests
{
    /// <summary>Sequences of length 2, one per listed pair, so the counts are exactly the list.</summary>
    private static BigramModel FromPairs(int vocab, double alpha, params (int U, int V, int Times)[] pairs)
    {
        var tokens = new List<uint>();
        foreach (var (u, v, times) in pairs)
            for (int i = 0; i < times; i++) tokens.AddRange([(uint)u, (uint)v]);
        return BigramModel.Count(tokens.ToArray(), vocab, 2, alpha);
    }

    /// <summary>A random sparse table: each row observes a few successors with random counts; some rows observe none.</summary>
    private static BigramModel RandomModel(int vocab, double alpha, int seed)
    {
        var random = new Random(seed);
        var pairs = new List<(int, int, int)>();
        for (int u = 0; u < vocab; u++)
        {
            if (u % 7 == 3) continue; // never followed by anything: the row is uniform
            foreach (int v in Enumerable.Range(0, vocab).OrderBy(_ => random.Next()).Take(random.Next(1, 5)))
                pairs.Add((u, v, random.Next(1, 30)));
        }
        return FromPairs(vocab, alpha, pairs.ToArray());
    }

    /// <summary>The dense transition matrix from the add-α formula, written out independently of the model's code.</summary>
    private static double[,] Dense(int vocab, double alpha, (int U, int V, int Times)[] pairs)
    {
        var counts = new double[vocab, vocab];
        foreach (var (u, v, times) in pairs) counts[u, v] += times;
        var p = new double[vocab, vocab];
        for (int u = 0; u < vocab; u++)
        {
            double n = 0;
            for (int v = 0; v < vocab; v++) n += counts[u, v];
            for (int v = 0; v < vocab; v++) p[u, v] = (counts[u, v] + alpha) / (n + alpha * vocab);
        }
        return p;
    }

    /// <summary>π from the linear system (Pᵀ − I)π = 0 with one equation replaced by Σπ = 1 (MathNet LU, float64).</summary>
    private static double[] StationaryBySolve(double[,] p)
    {
        int n = p.GetLength(0);
        var a = Matrix<double>.Build.Dense(n, n, (i, j) => p[j, i] - (i == j ? 1 : 0));
        var b = Vector<double>.Build.Dense(n);
        for (int j = 0; j < n; j++) a[n - 1, j] = 1;
        b[n - 1] = 1;
        return a.Solve(b).ToArray();
    }

    private static double EntropyRate(double[,] p, double[] pi)
    {
        double h = 0;
        for (int u = 0; u < pi.Length; u++)
            for (int v = 0; v < pi.Length; v++) h -= pi[u] * p[u, v] * Math.Log(p[u, v]);
        return h;
    }

    [Fact]
    public void TwoStateChainMatchesClosedForm()
    {
        // Counts c00 = 3, c01 = 1, c10 = 2, c11 = 4, α = 0.5: P(1|0) = a = 1.5/5, P(0|1) = b = 2.5/7.
        // π = (b, a)/(a + b); H = π0 h(a) + π1 h(b) with h the binary entropy in nats.
        var model = FromPairs(2, 0.5, (0, 0, 3), (0, 1, 1), (1, 0, 2), (1, 1, 4));
        double a = 1.5 / 5, b = 2.5 / 7;
        Assert.Equal(a, model.Probability(0, 1), 15);
        Assert.Equal(b, model.Probability(1, 0), 15);
        static double H2(double x) => -x * Math.Log(x) - (1 - x) * Math.Log(1 - x);
        double expected = b / (a + b) * H2(a) + a / (a + b) * H2(b);
        Assert.Equal(expected, model.EntropyRate().EntropyRate, 12);
        var (pi, _, residual) = model.Stationary();
        Assert.Equal(b / (a + b), pi[0], 12);
        Assert.True(residual < 1e-13);
    }

    [Fact]
    public void ThreeStateChainMatchesHandWorkedValues()
    {
        // α = 1, counts: row 0 → (0:0, 1:2, 2:0), row 1 → (0:1, 1:0, 2:1), row 2 → (0:3, 1:0, 2:0).
        // P = [[1/5, 3/5, 1/5], [2/5, 1/5, 2/5], [4/6, 1/6, 1/6]].
        var model = FromPairs(3, 1.0, (0, 1, 2), (1, 0, 1), (1, 2, 1), (2, 0, 3));
        double[,] p = { { 0.2, 0.6, 0.2 }, { 0.4, 0.2, 0.4 }, { 4.0 / 6, 1.0 / 6, 1.0 / 6 } };
        for (int u = 0; u < 3; u++)
            for (int v = 0; v < 3; v++) Assert.Equal(p[u, v], model.Probability(u, v), 15);
        // π = (9, 8, 6)/23: check πP = π by hand — column 0: 0.2·9 + 0.4·8 + (2/3)·6 = 9; column 1: 0.6·9 + 0.2·8 + (1/6)·6 = 8;
        // column 2: 0.2·9 + 0.4·8 + (1/6)·6 = 6.
        double[] pi = [9.0 / 23, 8.0 / 23, 6.0 / 23];
        var (solved, _, _) = model.Stationary();
        for (int u = 0; u < 3; u++) Assert.Equal(pi[u], solved[u], 12);
        double h0 = -(2 * 0.2 * Math.Log(0.2) + 0.6 * Math.Log(0.6));
        double h1 = -(2 * 0.4 * Math.Log(0.4) + 0.2 * Math.Log(0.2));
        double h2 = -(4.0 / 6 * Math.Log(4.0 / 6) + 2 * (1.0 / 6) * Math.Log(1.0 / 6));
        Assert.Equal(pi[0] * h0 + pi[1] * h1 + pi[2] * h2, model.EntropyRate().EntropyRate, 12);
    }

    [Fact]
    public void SparseEntropyRateMatchesDenseLinearSolve()
    {
        var random = new Random(11);
        const int vocab = 60;
        var pairs = new List<(int, int, int)>();
        for (int u = 0; u < vocab; u++)
            if (u % 7 != 3)
                foreach (int v in Enumerable.Range(0, vocab).OrderBy(_ => random.Next()).Take(random.Next(1, 6)))
                    pairs.Add((u, v, random.Next(1, 50)));
        foreach (double alpha in new[] { 1e-3, 0.1, 2.0 })
        {
            var model = FromPairs(vocab, alpha, pairs.ToArray());
            var dense = Dense(vocab, alpha, pairs.ToArray());
            var pi = StationaryBySolve(dense);
            Assert.Equal(EntropyRate(dense, pi), model.EntropyRate().EntropyRate, 11);
            for (int u = 0; u < vocab; u++)
            {
                double rowSum = 0;
                for (int v = 0; v < vocab; v++) rowSum += model.Probability(u, v);
                Assert.Equal(1.0, rowSum, 13);
            }
        }
    }

    [Fact]
    public void PairsNeverStraddleSequences()
    {
        // Sequences [0 1 2] [2 0 1]: pairs 01, 12, 20, 01 — not the 2→2 across the boundary.
        var model = BigramModel.Count([0, 1, 2, 2, 0, 1], 3, 3, 1.0);
        Assert.Equal([0L, 2, 0], new[] { 0, 1, 2 }.Select(v => model.Probability(0, v) * 5 - 1).Select(x => (long)Math.Round(x)).ToArray());
        Assert.Equal(1.0 / 4, model.Probability(2, 2), 15); // row 2 saw only 2→0: (0 + 1)/(1 + 3)
        Assert.Equal([2L, 2, 2], model.UnigramCounts);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-1.0)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void SmoothingMustBePositive(double alpha) =>
        Assert.Throws<UserInputException>(() => BigramModel.Count([0, 1, 1, 0], 2, 2, alpha));

    /// <summary>Expected next-token distribution under temperature and top-k, from the dense formula (ties to the smaller id).</summary>
    private static double[] Expected(BigramModel model, int u, SamplingOptions options)
    {
        int vocab = model.VocabSize;
        var p = Enumerable.Range(0, vocab).Select(v => model.Probability(u, v)).ToArray();
        var order = Enumerable.Range(0, vocab).OrderByDescending(v => p[v]).ThenBy(v => v).ToArray();
        var kept = options.TopK == 0 ? order : order.Take(options.TopK).ToArray();
        var w = new double[vocab];
        foreach (int v in kept) w[v] = Math.Pow(p[v], 1 / options.Temperature);
        double z = w.Sum();
        return w.Select(x => x / z).ToArray();
    }

    public static TheoryData<double, int> Options => new() { { 1.0, 0 }, { 0.6, 0 }, { 1.7, 3 }, { 1.0, 6 } };

    [Theory]
    [MemberData(nameof(Options))]
    public void NextTokenFrequenciesFitTheRowDistribution(double temperature, int topK)
    {
        // V = 12, α = 0.3: rows mix observed successors with blocks of unobserved ones; top-k 6 reaches into the block.
        var model = RandomModel(12, 0.3, seed: 5);
        var sampler = new BigramSampler(model);
        var options = new SamplingOptions(temperature, topK);
        const int sequences = 3000, length = 40;
        var first = Enumerable.Range(0, sequences).Select(i => i % 12).ToArray();
        var tokens = new int[sequences * length];
        var nll = new double[sequences];
        sampler.Sample(first, length, options, seed: 42, firstSequenceIndex: 0, tokens, nll);

        var transitions = new double[12, 12];
        for (int s = 0; s < sequences; s++)
            for (int t = 1; t < length; t++) transitions[tokens[s * length + t - 1], tokens[s * length + t]]++;
        for (int u = 0; u < 12; u++)
        {
            var observed = Enumerable.Range(0, 12).Select(v => transitions[u, v]).ToArray();
            double n = observed.Sum();
            var expected = Expected(model, u, options);
            for (int v = 0; v < 12; v++)
                if (expected[v] == 0) Assert.Equal(0, observed[v]); // top-k excluded tokens never appear
            var support = Enumerable.Range(0, 12).Where(v => expected[v] > 0).ToArray();
            ChiSquare.AssertFits(support.Select(v => observed[v]).ToArray(), support.Select(v => expected[v] * n).ToArray());
        }
        // The recorded −ln p is that of the sampled distribution.
        for (int s = 0; s < 50; s++)
        {
            double sum = 0;
            for (int t = 1; t < length; t++) sum -= Math.Log(Expected(model, tokens[s * length + t - 1], options)[tokens[s * length + t]]);
            Assert.Equal(sum, nll[s], 9);
        }
    }

    [Fact]
    public void MonteCarloEntropyConvergesToTheExactRate()
    {
        // Started from π (drawn here from the stationary solve, itself checked against linear solves above), every
        // position's expected −ln p is exactly H, so the mean over N independent sequences is within a few standard
        // errors of H (CLT), and the standard error shrinks as 1/√N.
        var model = RandomModel(9, 0.2, seed: 2);
        var (pi, _, _) = model.Stationary();
        double exactRate = model.EntropyRate().EntropyRate;
        var random = new Random(4);
        var standardErrors = new List<double>();
        foreach (int count in new[] { 1000, 16_000 })
        {
            const int length = 50;
            var first = Enumerable.Range(0, count).Select(_ =>
            {
                double r = random.NextDouble(), c = 0;
                for (int u = 0; u < 9; u++) if ((c += pi[u]) > r) return u;
                return 8;
            }).ToArray();
            var tokens = new int[count * length];
            var nll = new double[count];
            new BigramSampler(model).Sample(first, length, new SamplingOptions(), seed: 9, firstSequenceIndex: 0, tokens, nll);
            var means = nll.Select(x => x / (length - 1)).ToArray();
            double estimate = means.Average();
            double standardError = Math.Sqrt(means.Sum(m => (m - estimate) * (m - estimate)) / (count - 1) / count);
            Assert.True(Math.Abs(estimate - exactRate) < 4 * standardError, $"N = {count}: MC {estimate:F5} vs exact {exactRate:F5} ± {standardError:E2}");
            standardErrors.Add(standardError);
        }
        double ratio = standardErrors[0] / standardErrors[1];
        Assert.InRange(ratio, 3.0, 5.0); // 16× the sequences: √16 = 4× smaller error
    }

    [Fact]
    public void SampledFileFloorMatchesItsFiniteLengthExpectation()
    {
        // LanguageSampling starts sequences from the unigram distribution, not π, so E[mean −ln p] over positions
        // 1..T−1 is (1/(T−1)) Σ_t Σ_u p_{t−1}(u) H(P(·|u)), p_t propagated exactly in float64. The recorded estimate
        // must lie within 4 of its recorded standard errors of it.
        var model = RandomModel(9, 0.2, seed: 2);
        const int length = 30, count = 4000;
        string dir = Directory.CreateTempSubdirectory("mt-bigram-mc-").FullName;
        try
        {
            var sidecar = LanguageSampling.Generate(new BigramSampler(model), model.UnigramCounts, new System.Text.Json.Nodes.JsonObject { ["kind"] = "bigram" },
                new LanguageSampling.Spec(count, length, new SamplingOptions(), Seed: 9), Path.Combine(dir, "s.bin"), force: false);
            double estimate = sidecar.EntropyRateNats!.Value;
            double standardError = sidecar.Generator["mc_entropy_standard_error_nats"]!.GetValue<double>();

            var p = model.UnigramCounts.Select(c => (double)c / model.UnigramCounts.Sum()).ToArray();
            var rowEntropy = Enumerable.Range(0, 9).Select(u => -Enumerable.Range(0, 9).Sum(v => model.Probability(u, v) * Math.Log(model.Probability(u, v)))).ToArray();
            double expected = 0;
            for (int t = 1; t < length; t++)
            {
                expected += Enumerable.Range(0, 9).Sum(u => p[u] * rowEntropy[u]) / (length - 1);
                p = Enumerable.Range(0, 9).Select(v => Enumerable.Range(0, 9).Sum(u => p[u] * model.Probability(u, v))).ToArray();
            }
            Assert.True(Math.Abs(estimate - expected) < 4 * standardError, $"MC {estimate:F5} vs expected {expected:F5} ± {standardError:E2}");
            Assert.True(standardError > 0 && standardError < 0.01 * expected);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void ChunkedAndThreadedSamplingEqualsOneShot()
    {
        var model = RandomModel(30, 0.05, seed: 8);
        var options = new SamplingOptions(0.9, 10);
        const int sequences = 100, length = 25;
        var first = Enumerable.Range(0, sequences).Select(i => (i * 7) % 30).ToArray();
        var whole = new int[sequences * length];
        var wholeNll = new double[sequences];
        new BigramSampler(model, maxThreads: 1).Sample(first, length, options, 3, 1000, whole, wholeNll);

        var chunked = new int[sequences * length];
        var chunkedNll = new double[sequences];
        var threaded = new BigramSampler(model);
        foreach (var (start, n) in new[] { (0, 13), (13, 1), (14, 50), (64, 36) })
            threaded.Sample(first.AsSpan(start, n), length, options, 3, 1000 + start, chunked.AsSpan(start * length, n * length), chunkedNll.AsSpan(start, n));
        Assert.Equal(whole, chunked);
        Assert.Equal(wholeNll, chunkedNll);
        Assert.All(Enumerable.Range(0, sequences), i => Assert.Equal(first[i], whole[i * length]));
    }

    [Fact]
    public void SampledFilesOfDisjointRangesConcatenateToTheWhole()
    {
        var model = RandomModel(20, 0.1, seed: 4);
        string dir = Directory.CreateTempSubdirectory("mt-bigram-ranges-").FullName;
        try
        {
            string P(string name) => Path.Combine(dir, name);
            var json = new System.Text.Json.Nodes.JsonObject { ["kind"] = "bigram" };
            LanguageSampling.Generate(new BigramSampler(model), model.UnigramCounts, json, new(70, 12, new SamplingOptions(), 5), P("all.bin"), false);
            LanguageSampling.Generate(new BigramSampler(model, 1), model.UnigramCounts, json, new(30, 12, new SamplingOptions(), 5), P("a.bin"), false);
            LanguageSampling.Generate(new BigramSampler(model), model.UnigramCounts, json, new(40, 12, new SamplingOptions(), 5, FirstSequence: 30), P("b.bin"), false);
            byte[] concatenated = [.. File.ReadAllBytes(P("a.bin")), .. File.ReadAllBytes(P("b.bin"))];
            Assert.Equal(concatenated, File.ReadAllBytes(P("all.bin")));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void FirstTokensFollowTheUnigramDistribution()
    {
        long[] counts = [5, 0, 20, 1, 74];
        var cumulative = LanguageSampling.Cumulative(counts);
        var observed = new double[5];
        for (int s = 0; s < 20_000; s++) observed[LanguageSampling.FirstToken(cumulative, 17, s)]++;
        Assert.Equal(0, observed[1]);
        int[] support = [0, 2, 3, 4];
        ChiSquare.AssertFits(support.Select(v => observed[v]).ToArray(), support.Select(v => counts[v] / 100.0 * 20_000).ToArray());
    }

    [Fact]
    public void FileRoundTripsAndRejectsMalformedTables()
    {
        string dir = Directory.CreateTempSubdirectory("mt-bigram-file-").FullName;
        try
        {
            var model = RandomModel(15, 0.25, seed: 1);
            string path = Path.Combine(dir, "g.json");
            BigramModel.Save(model.Describe(1.0, null, new System.Text.Json.Nodes.JsonObject()), path, false);
            var (loaded, file) = BigramModel.Load(path);
            Assert.Equal(model.EntropyRate().EntropyRate, file.EntropyRateNats);
            for (int u = 0; u < 15; u++)
                for (int v = 0; v < 15; v++) Assert.Equal(model.Probability(u, v), loaded.Probability(u, v));

            var text = File.ReadAllText(path);
            File.WriteAllText(path, text.Replace("\"alpha\": 0.25", "\"alpha\": 0"));
            Assert.Throws<UserInputException>(() => BigramModel.Load(path));
            File.WriteAllText(path, text.Replace("\"vocab_size\": 15", "\"vocab_size\": 16"));
            Assert.Throws<UserInputException>(() => BigramModel.Load(path));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
