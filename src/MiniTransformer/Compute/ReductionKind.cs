namespace MiniTransformer.Compute;

/// <summary>Whole-vector reductions to one float. Every backend reduces in a fixed order, so the result does not depend on thread count.</summary>
public enum ReductionKind { Sum, Max, SumOfSquares }
