namespace MiniTransformer.Fitting;

/// <summary>
/// A fitted 1-D law: natural parameters by name (see <see cref="CurveForm"/>), x0 = median(x), the Huber δ used,
/// the summed Huber objective at the optimum, and the plain mean squared error of the fitted curve (what the
/// power-law vs exponential comparison uses).
/// </summary>
public sealed record CurveFit(
    CurveForm Form,
    IReadOnlyDictionary<string, double> Parameters,
    double X0,
    double Delta,
    double Objective,
    double Mse,
    int Points,
    int StartsRun,
    bool Converged)
{
    /// <summary>The fit-space parameter vector (E, ln A, ln α) etc.; bootstrap refits warm-start from it.</summary>
    internal double[] Theta { get; init; } = [];

    public double this[string name] => Parameters[name];

    public double Predict(double x)
    {
        var model = CurveModel.For(Form);
        return model.Value(x / X0, Theta);
    }
}
