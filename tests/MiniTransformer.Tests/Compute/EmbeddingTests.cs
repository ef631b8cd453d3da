using MiniTransformer.Compute;

namespace MiniTransformer.Tests.Compute;

public class EmbeddingTests
{
    [Theory]
    [MemberData(nameof(BackendCases.All), MemberType = typeof(BackendCases))]
    public void GatherAndScatterAddMatchFloat64(BackendKind kind)
    {
        using var backend = BackendCases.Create(kind);
        foreach (var (batch, seqLen, channels, vocab) in new[] { (1, 1, 1, 1), (2, 5, 7, 3), (3, 17, 130, 11), (4, 50, 64, 1000) })
        {
            var rng = new Random(channels);
            var tokens = Enumerable.Range(0, batch * seqLen).Select(_ => rng.Next(vocab)).ToArray();
            var wte = TestData.Random(vocab * channels, 1);
            var wpe = TestData.Random(seqLen * channels, 2);
            var dy = TestData.Random(batch * seqLen * channels, 3);
            using var bt = backend.UploadNew<int>(tokens);
            using var bwte = backend.UploadNew<float>(wte);
            using var bwpe = backend.UploadNew<float>(wpe);
            using var bdy = backend.UploadNew<float>(dy);
            string what = $"embedding B{batch} T{seqLen} C{channels} V{vocab}";
            foreach (bool positional in new[] { false, true })
            {
                using var y = TestData.Poisoned(backend, batch * seqLen * channels);
                backend.EmbeddingForward(y, bt, bwte, positional ? bwpe.All : null, batch, seqLen, channels);
                var expected = Reference64.Embedding(tokens, TestData.ToDouble(wte), positional ? TestData.ToDouble(wpe) : null, batch, seqLen, channels);
                TestData.AssertClose(expected, backend.DownloadArray<float>(y), 1e-6, what + $" forward positional={positional}");

                // The scatter accumulates into the gradient tables: start them from non-zero values.
                var dwte0 = TestData.Random(vocab * channels, 4);
                var dwpe0 = TestData.Random(seqLen * channels, 5);
                using var bdwte = backend.UploadNew<float>(dwte0);
                using var bdwpe = backend.UploadNew<float>(dwpe0);
                backend.EmbeddingBackward(bdwte, positional ? bdwpe.All : null, bdy, bt, batch, seqLen, channels);
                var (gte, gpe) = Reference64.EmbeddingBackward(TestData.ToDouble(dy), tokens, vocab, batch, seqLen, channels);
                TestData.AssertClose(gte.Select((v, i) => v + dwte0[i]).ToArray(), backend.DownloadArray<float>(bdwte), 1e-5, what + " dwte");
                var dwpeExpected = positional ? gpe.Select((v, i) => v + dwpe0[i]).ToArray() : TestData.ToDouble(dwpe0);
                TestData.AssertClose(dwpeExpected, backend.DownloadArray<float>(bdwpe), 1e-5, what + $" dwpe positional={positional}");
            }
        }
    }
}
