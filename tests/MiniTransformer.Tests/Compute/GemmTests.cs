using MiniTransformer.Compute;

namespace MiniTransformer.Tests.Compute;

/// <summary>GEMM in every variant against the float64 reference, on shapes that are not multiples of any tile.</summary>
public class GemmTests
{
    public static TheoryData<BackendKind, int, int, int, bool, bool> Shapes()
    {
        var data = new TheoryData<BackendKind, int, int, int, bool, bool>();
        (int, int, int)[] shapes = [(1, 1, 1), (1, 7, 3), (5, 1, 9), (13, 17, 19), (37, 61, 131), (97, 33, 300), (64, 96, 517)];
        foreach (var kind in new[] { BackendKind.Cpu, BackendKind.OpenCL, BackendKind.Cuda })
            foreach (var (m, n, k) in shapes)
                foreach (var (ta, tb) in new[] { (false, false), (false, true), (true, false), (true, true) })
                    data.Add(kind, m, n, k, ta, tb);
        return data;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void MatchesFloat64(BackendKind kind, int m, int n, int k, bool transA, bool transB)
    {
        using var backend = BackendCases.Create(kind);
        Check(backend, new GemmSpec(m, n, k, transA, transB), GemmEpilogue.None, seed: m * 7 + n * 3 + k);
    }

    [Theory]
    [MemberData(nameof(BackendCases.All), MemberType = typeof(BackendCases))]
    public void AlphaBetaAndEpilogues(BackendKind kind)
    {
        using var backend = BackendCases.Create(kind);
        Check(backend, new GemmSpec(29, 45, 300, Alpha: 0.75f, Beta: -1.5f), GemmEpilogue.None, 1);
        Check(backend, new GemmSpec(29, 45, 23, TransB: true, Alpha: 2f, Beta: 0.5f), GemmEpilogue.Bias, 2);
        Check(backend, new GemmSpec(50, 70, 270, TransB: true), GemmEpilogue.Bias, 3);
        Check(backend, new GemmSpec(50, 70, 33, TransB: true, Alpha: 0.5f), GemmEpilogue.BiasGelu, 4);
        Check(backend, new GemmSpec(3, 129, 300, TransB: false), GemmEpilogue.BiasGelu, 5);
        // A stored K×M with α (the μP readout's weight gradient): α is applied exactly once, both to the whole strips
        // read in place and to the edge strip (M = 29: two whole 12-row strips and a partial one; M, K not multiples of 8).
        Check(backend, new GemmSpec(29, 45, 301, TransA: true, Alpha: 0.75f, Beta: 0.5f), GemmEpilogue.None, 13);
        Check(backend, new GemmSpec(29, 70, 301, TransA: true, Alpha: -2f), GemmEpilogue.Bias, 14);
        // The CPU backend packs A stored K×M k-major inside its tasks when N ≤ 512 and N ≤ M (here with an edge strip of
        // one row), and transposes it up front otherwise.
        Check(backend, new GemmSpec(517, 512, 301, TransA: true, Alpha: 0.75f, Beta: 0.5f), GemmEpilogue.Bias, 15);
        Check(backend, new GemmSpec(541, 530, 301, TransA: true, Alpha: 0.75f, Beta: 0.5f), GemmEpilogue.None, 16);
    }

    [Theory]
    [MemberData(nameof(BackendCases.All), MemberType = typeof(BackendCases))]
    public void BatchedWithStridesAndBroadcast(BackendKind kind)
    {
        using var backend = BackendCases.Create(kind);
        Check(backend, new GemmSpec(11, 13, 17, Batch: 3), GemmEpilogue.None, 6);
        Check(backend, new GemmSpec(11, 13, 17, TransA: true, Batch: 4, StrideB: 0, Beta: 1f), GemmEpilogue.None, 7);
        Check(backend, new GemmSpec(7, 19, 5, TransB: true, Batch: 3, StrideA: 0, StrideC: 7 * 19 + 4), GemmEpilogue.Bias, 8);
        Check(backend, new GemmSpec(33, 20, 40, Batch: 2, StrideA: 33 * 40 + 3, StrideB: 40 * 20 + 1), GemmEpilogue.BiasGelu, 9);
        // Whole 12×32 tiles with operands read in place (A stored M×K, B stored K×N) and packed (A stored K×M) per batch.
        Check(backend, new GemmSpec(40, 70, 300, Batch: 2, StrideB: 0), GemmEpilogue.None, 10);
        Check(backend, new GemmSpec(40, 70, 300, TransA: true, Batch: 2, StrideA: 40 * 300 + 5), GemmEpilogue.Bias, 11);
        // B stored K×N wider than the in-place limit: packed by K blocks into strips, per batch.
        Check(backend, new GemmSpec(13, 401, 300, TransA: true, Batch: 2), GemmEpilogue.None, 12);
        Check(backend, new GemmSpec(45, 13, 300, TransA: true, Batch: 2, StrideA: 45 * 300 + 5), GemmEpilogue.None, 17);
    }

    internal static void Check(ComputeBackend backend, GemmSpec s, GemmEpilogue epilogue, int seed)
    {
        var a = TestData.Random((int)s.ExtentA, seed);
        var b = TestData.Random((int)s.ExtentB, seed + 1000);
        var c0 = TestData.Random((int)s.ExtentC, seed + 2000);
        var bias = TestData.Random(s.N, seed + 3000);
        // With β = 0, C must not be read: start it as NaN, which also catches unwritten elements.
        if (s.Beta == 0f) Array.Fill(c0, float.NaN);
        // Elements between strided batches are outside the op: they must survive untouched.
        var preExpected = new double[s.ExtentC];
        Array.Fill(preExpected, double.NaN);
        var expected = Reference64.Gemm(s, TestData.ToDouble(a), TestData.ToDouble(b), TestData.ToDouble(c0), epilogue,
            TestData.ToDouble(bias), preExpected);

        using var da = backend.UploadNew<float>(a);
        using var db = backend.UploadNew<float>(b);
        using var dc = backend.UploadNew<float>(c0);
        using var dbias = backend.UploadNew<float>(bias);
        using var dpre = TestData.Poisoned(backend, s.ExtentC);
        backend.Gemm(s, da, db, dc, epilogue, epilogue == GemmEpilogue.None ? null : dbias.All,
            epilogue == GemmEpilogue.BiasGelu ? dpre.All : null);

        var what = $"{(s.TransA ? 'T' : 'N')}{(s.TransB ? 'T' : 'N')} {s.M}x{s.N}x{s.K} batch {s.Batch} {epilogue} C";
        AssertCloseOrBothNaN(expected, backend.DownloadArray<float>(dc), 1e-4, what);
        if (epilogue == GemmEpilogue.BiasGelu) AssertCloseOrBothNaN(preExpected, backend.DownloadArray<float>(dpre), 1e-4, what + " pre");
    }

    /// <summary>Elements outside every batch are NaN in both (strided layouts); every other one must match.</summary>
    private static void AssertCloseOrBothNaN(double[] expected, float[] actual, double tolerance, string what)
    {
        var inside = Enumerable.Range(0, expected.Length).Where(i => !double.IsNaN(expected[i])).ToArray();
        foreach (int i in Enumerable.Range(0, expected.Length).Where(i => double.IsNaN(expected[i])))
            Assert.True(float.IsNaN(actual[i]), $"{what}[{i}] is outside the op but was written");
        TestData.AssertClose(inside.Select(i => expected[i]).ToArray(), inside.Select(i => actual[i]).ToArray(), tolerance, what);
    }
}
