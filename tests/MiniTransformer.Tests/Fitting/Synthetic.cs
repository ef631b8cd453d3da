using MathNet.Numerics.Distributions;
using MathNet.Numerics.Random;

namespace MiniTransformer.Tests.Fitting;

/// <summary>Seeded synthetic series drawn from known laws (independent of the code under test: the truth is the generator).</summary>
internal static class Synthetic
{
    public static double[] LogSpaced(double from, double to, int count) =>
        Enumerable.Range(0, count).Select(i => Math.Exp(Math.Log(from) + (Math.Log(to) - Math.Log(from)) * i / (count - 1))).ToArray();

    public static double[] LinSpaced(double from, double to, int count) =>
        Enumerable.Range(0, count).Select(i => from + (to - from) * i / (count - 1)).ToArray();

    /// <summary>y = E + A·x^(−α) + N(0, σ²) (σ absolute).</summary>
    public static double[] PowerLaw(double[] x, double e, double a, double alpha, double sigma, int seed)
    {
        var normal = new Normal(0, 1, new Xoshiro256StarStar(seed));
        return x.Select(v => e + a * Math.Pow(v, -alpha) + sigma * normal.Sample()).ToArray();
    }

    /// <summary>y = a + b·e^(−c·x) + N(0, σ²).</summary>
    public static double[] Exponential(double[] x, double a, double b, double c, double sigma, int seed)
    {
        var normal = new Normal(0, 1, new Xoshiro256StarStar(seed));
        return x.Select(v => a + b * Math.Exp(-c * v) + sigma * normal.Sample()).ToArray();
    }
}
