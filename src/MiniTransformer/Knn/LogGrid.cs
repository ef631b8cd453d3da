namespace MiniTransformer.Knn;

public static class LogGrid
{
    /// <summary><paramref name="points"/> values log-spaced from <paramref name="from"/> to <paramref name="to"/> inclusive (one point when they coincide).</summary>
    public static double[] Create(double from, double to, int points)
    {
        if (!(from > 0) || !(to >= from)) throw new UserInputException($"a log grid needs 0 < from ≤ to (got {from} and {to})");
        if (points < 1) throw new UserInputException($"the number of grid points must be ≥ 1 (got {points})");
        if (points == 1 || to == from) return [to];
        var grid = new double[points];
        double lf = Math.Log(from), step = (Math.Log(to) - lf) / (points - 1);
        for (int i = 0; i < points; i++) grid[i] = Math.Exp(lf + i * step);
        grid[^1] = to;
        return grid;
    }
}
