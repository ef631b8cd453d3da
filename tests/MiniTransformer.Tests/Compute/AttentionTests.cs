using MiniTransformer.Compute;

namespace MiniTransformer.Tests.Compute;

/// <summary>RoPE and causal attention forward/backward against float64.</summary>
public class AttentionTests
{
    private static readonly (int B, int T, int NH, int HS)[] Shapes = [(1, 1, 1, 2), (2, 7, 3, 8), (1, 13, 2, 18), (2, 33, 2, 32), (1, 5, 1, 3)];

    [Theory]
    [MemberData(nameof(BackendCases.All), MemberType = typeof(BackendCases))]
    public void ForwardMatchesFloat64(BackendKind kind)
    {
        using var backend = BackendCases.Create(kind);
        foreach (var (b, t, nh, hs) in Shapes)
        {
            int c = nh * hs;
            float scale = 1f / MathF.Sqrt(hs);
            var qkv = TestData.Random(b * t * 3 * c, b * 100 + t, 2f);
            var (outRef, attRef) = Reference64.Attention(TestData.ToDouble(qkv), b, t, nh, hs, scale);
            using var dq = backend.UploadNew<float>(qkv);
            using var o = TestData.Poisoned(backend, b * t * c);
            using var att = TestData.Poisoned(backend, b * nh * t * t);
            backend.AttentionForward(o, att, dq, b, t, nh, hs, scale);
            string what = $"attention B{b} T{t} NH{nh} HS{hs}";
            TestData.AssertClose(outRef, backend.DownloadArray<float>(o), 1e-4, what + " out");
            TestData.AssertClose(attRef, backend.DownloadArray<float>(att), 1e-4, what + " att");
        }
    }

    [Theory]
    [MemberData(nameof(BackendCases.All), MemberType = typeof(BackendCases))]
    public void BackwardMatchesFloat64(BackendKind kind)
    {
        using var backend = BackendCases.Create(kind);
        foreach (var (b, t, nh, hs) in Shapes)
        {
            int c = nh * hs;
            float scale = 1f / hs; // the μP scale, to exercise a non-default value
            var qkv = TestData.Random(b * t * 3 * c, b + 10 * t, 2f);
            var dOut = TestData.Random(b * t * c, t + 3);
            var expected = Reference64.AttentionBackward(TestData.ToDouble(dOut), TestData.ToDouble(qkv), b, t, nh, hs, scale);
            using var dq = backend.UploadNew<float>(qkv);
            using var o = backend.Allocate<float>(b * t * c);
            using var att = backend.Allocate<float>(b * nh * t * t);
            using var dy = backend.UploadNew<float>(dOut);
            using var dQkv = TestData.Poisoned(backend, 3 * b * t * c);
            backend.AttentionForward(o, att, dq, b, t, nh, hs, scale);
            backend.AttentionBackward(dQkv, dy, dq, att, b, t, nh, hs, scale);
            TestData.AssertClose(expected, backend.DownloadArray<float>(dQkv), 1e-4, $"attention backward B{b} T{t} NH{nh} HS{hs}");
        }
    }

    [Theory]
    [MemberData(nameof(BackendCases.All), MemberType = typeof(BackendCases))]
    public void RopeRotatesQAndKOnly(BackendKind kind)
    {
        using var backend = BackendCases.Create(kind);
        foreach (var (b, t, nh, hs) in Shapes.Where(s => s.HS % 2 == 0).Append((1, 300, 1, 64)))
        {
            var qkv = TestData.Random(3 * b * t * nh * hs, t * hs);
            foreach (bool inverse in new[] { false, true })
            {
                using var dq = backend.UploadNew<float>(qkv);
                backend.Rope(dq, b, t, nh, hs, 10000f, inverse);
                var expected = Reference64.Rope(TestData.ToDouble(qkv), b, t, nh, hs, 10000, inverse);
                TestData.AssertClose(expected, backend.DownloadArray<float>(dq), 1e-5, $"rope B{b} T{t} NH{nh} HS{hs} inverse={inverse}");
            }
        }
    }
}
