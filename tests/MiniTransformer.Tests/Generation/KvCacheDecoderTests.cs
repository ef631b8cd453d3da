using MiniTransformer.Compute;
using MiniTransformer.Generation;
using MiniTransformer.Model;
using MiniTransformer.Tests.Compute;

namespace MiniTransformer.Tests.Generation;

/// <summary>
/// KV-cache decoding against the full forward pass (<see cref="Gpt.Forward"/>, itself checked against PyTorch by the
/// golden tests): for every parameterisation, readout and position encoding, on every backend, the decoder's logits
/// at every position equal the full pass's logits of that position. Tolerance: 2e-5 relative to max(|logit|,
/// rms(logits)) — fp32 rounding of two op sequences that sum in different orders (single-query attention over the
/// cache against the full causal attention kernel, GEMMs of one row per sequence against GEMMs over the whole batch).
/// </summary>
public class KvCacheDecoderTests
{
    public static TheoryData<BackendKind, Parameterization, bool, PositionEncoding> Cases()
    {
        var data = new TheoryData<BackendKind, Parameterization, bool, PositionEncoding>();
        foreach (var kind in new[] { BackendKind.Cpu, BackendKind.OpenCL, BackendKind.Cuda })
            foreach (var p in new[] { Parameterization.Sp, Parameterization.Mup })
                foreach (bool tied in new[] { true, false })
                    foreach (var positions in new[] { PositionEncoding.Rotary, PositionEncoding.Learned })
                        data.Add(kind, p, tied, positions);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void DecodedLogitsEqualTheFullForwardAtEveryPosition(BackendKind kind, Parameterization parameterization, bool tied, PositionEncoding positions)
    {
        using var backend = BackendCases.Create(kind);
        // Width 48 over 4 heads (HS 12) and vocabulary 37: nothing is a multiple of a SIMD width or GEMM tile.
        var config = new GptConfig(37, 11, 2, 48, parameterization, BaseWidth: 16, Positions: positions, TiedEmbeddings: tied);
        const int batch = 3;
        int t = config.SequenceLength, v = config.VocabSize;
        using var gpt = new Gpt(backend, config, batch);
        backend.Upload<float>(RandomParameters(gpt.Layout, seed: 7), gpt.Parameters);
        var inputs = Enumerable.Range(0, batch * t).Select(i => (i * 7 + i / t * 3) % v).ToArray();
        gpt.SetBatch(inputs, new int[batch * t]);
        gpt.Forward(training: false);
        var full = backend.DownloadArray<float>(gpt.Activations.Logits);

        using var decoder = new KvCacheDecoder(backend, config, gpt.Parameters, batch, t);
        var step = new int[batch];
        for (int pos = 0; pos < t; pos++)
        {
            for (int b = 0; b < batch; b++) step[b] = inputs[b * t + pos];
            var logits = backend.DownloadArray<float>(decoder.Step(step));
            var expected = new double[batch * v];
            for (int b = 0; b < batch; b++)
                for (int j = 0; j < v; j++) expected[b * v + j] = full[((long)b * t + pos) * v + j];
            string what = $"{kind} {parameterization} tied={tied} {positions} position {pos}";
            TestData.AssertClose(expected, logits, 2e-5, what);
        }
        Assert.Throws<InvalidOperationException>(() => decoder.Step(step));
    }

    [Fact]
    public void CpuRowsDoNotDependOnTheBatchTheyShare()
    {
        // Width 96: the MLP projection has K = 384 > one 256-deep GEMM block. Batch 70 takes the general GEMM path (row
        // 69 alone in an edge tile), batch 20 the small-M path that transposes weight strips, batches 1 and 13 the one
        // that reads the weights in place — every path must round every row alike.
        using var backend = new MiniTransformer.Compute.Cpu.CpuBackend(2);
        var config = new GptConfig(50, 5, 1, 96, Parameterization.Sp);
        var layout = new ParameterLayout(config);
        using var parameters = backend.UploadNew<float>(RandomParameters(layout, seed: 5));
        const int batch = 70, length = 5, v = 50;
        var history = Enumerable.Range(0, length).Select(pos => Enumerable.Range(0, batch).Select(i => (i * 3 + pos * 7) % v).ToArray()).ToArray();
        using var together = new KvCacheDecoder(backend, config, parameters, batch, length);
        var logits = history.Select(step => backend.DownloadArray<float>(together.Step(step))).ToArray();
        foreach (int size in new[] { 1, 13, 20 })
        {
            using var fewer = new KvCacheDecoder(backend, config, parameters, size, length);
            foreach (int first in new[] { 0, 50 })
            {
                fewer.Reset();
                for (int pos = 0; pos < length; pos++)
                    Assert.Equal(logits[pos].AsSpan(first * v, size * v).ToArray(),
                        backend.DownloadArray<float>(fewer.Step(history[pos].AsSpan(first, size))));
            }
        }
    }

    [Fact]
    public void ResetStartsNewSequencesOverTheOldCache()
    {
        using var backend = new MiniTransformer.Compute.Cpu.CpuBackend(2);
        var config = new GptConfig(19, 6, 1, 32, Parameterization.Sp);
        var layout = new ParameterLayout(config);
        using var parameters = backend.UploadNew<float>(RandomParameters(layout, seed: 3));
        using var decoder = new KvCacheDecoder(backend, config, parameters, 2, 6);
        int[][] first = [[1, 2], [3, 4], [5, 6]], second = [[7, 8], [9, 10]];
        foreach (var s in first) decoder.Step(s);
        decoder.Reset();
        foreach (var s in second) decoder.Step(s);
        var reused = backend.DownloadArray<float>(decoder.Logits);
        using var fresh = new KvCacheDecoder(backend, config, parameters, 2, 6);
        foreach (var s in second) fresh.Step(s);
        Assert.Equal(backend.DownloadArray<float>(fresh.Logits), reused);
    }

    [Fact]
    public void LearnedPositionsCannotDecodePastTheirTable()
    {
        using var backend = new MiniTransformer.Compute.Cpu.CpuBackend(1);
        var config = new GptConfig(19, 6, 1, 32, Positions: PositionEncoding.Learned);
        using var parameters = backend.Allocate<float>(new ParameterLayout(config).Count);
        Assert.Throws<UserInputException>(() => new KvCacheDecoder(backend, config, parameters, 1, 7));
        using var ok = new KvCacheDecoder(backend, config, parameters, 1, 6);
    }

    /// <summary>Every parameter random (not the init: μP's zero query rows and readout would hide attention and the head).</summary>
    internal static float[] RandomParameters(ParameterLayout layout, int seed)
    {
        var values = TestData.Random((int)layout.Count, seed, 0.3f);
        foreach (var t in layout.Tensors.Where(t => t.Name.EndsWith("ln1.w") || t.Name.EndsWith("ln2.w") || t.Name == "lnf.w"))
            for (long i = t.Offset; i < t.Offset + t.Length; i++) values[i] += 1f;
        return values;
    }
}
