using MiniTransformer.Compute;

namespace MiniTransformer.Tests.Compute;

/// <summary>Random inputs, NaN-poisoned outputs, and the tolerance checks shared by the op tests.</summary>
public static class TestData
{
    public static float[] Random(int n, int seed, float scale = 1f)
    {
        var rng = new Random(seed);
        var x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float)((rng.NextDouble() * 2 - 1) * scale);
        return x;
    }

    public static double[] ToDouble(float[] x) => Array.ConvertAll(x, v => (double)v);

    public static float[] ToFloat(double[] x) => Array.ConvertAll(x, v => (float)v);

    /// <summary>A buffer of <paramref name="n"/> NaNs: an output element the op fails to write stays NaN and fails the check.</summary>
    public static DeviceBuffer<float> Poisoned(ComputeBackend backend, long n)
    {
        var buffer = backend.Allocate<float>(n);
        var nan = new float[n];
        Array.Fill(nan, float.NaN);
        backend.Upload<float>(nan, buffer);
        return buffer;
    }

    /// <summary>
    /// Every element within <paramref name="tolerance"/> relative error, measured against max(|expected|, rms(expected))
    /// so that elements which cancel to near zero are judged on the scale of the tensor.
    /// </summary>
    public static void AssertClose(double[] expected, float[] actual, double tolerance, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double rms = Math.Sqrt(expected.Sum(v => v * v) / Math.Max(1, expected.Length));
        double floor = Math.Max(rms, 1e-30);
        for (int i = 0; i < expected.Length; i++)
        {
            double error = Math.Abs(actual[i] - expected[i]) / Math.Max(Math.Abs(expected[i]), floor);
            if (!(error <= tolerance))
                Assert.Fail($"{what}[{i}] = {actual[i]:R}, expected {expected[i]:R} (relative error {error:E2} > {tolerance:E0})");
        }
    }

    public static void AssertClose(double[] expected, double[] actual, double tolerance, string what) =>
        AssertClose(expected, Array.ConvertAll(actual, v => (float)v), tolerance, what);

    /// <summary>Central differences of a scalar function of x (float64).</summary>
    public static double[] NumericalGradient(double[] x, Func<double[], double> f, double h = 1e-6)
    {
        var g = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            double saved = x[i];
            x[i] = saved + h; double up = f(x);
            x[i] = saved - h; double down = f(x);
            x[i] = saved;
            g[i] = (up - down) / (2 * h);
        }
        return g;
    }

    public static double Dot(double[] a, double[] b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++) s += a[i] * b[i];
        return s;
    }
}
