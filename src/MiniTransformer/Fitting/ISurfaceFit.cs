namespace MiniTransformer.Fitting;

/// <summary>A fitted loss surface L(N, D): what the compute-optimal analysis and the validation splits consume.</summary>
public interface ISurfaceFit
{
    string Form { get; }
    IReadOnlyDictionary<string, double> Parameters { get; }
    double Predict(double n, double d);
}
