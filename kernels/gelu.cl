// GELU, tanh approximation (GPT-2; PyTorch approximate="tanh"), shared by elementwise.cl and the GEMM epilogue.
// Stable form (the same as the CPU backend): 0.5·x·(1 + tanh u) = x·σ(2u), u = √(2/π)(x + 0.044715x³), so large
// negative x neither cancels 1 + tanh u nor depends on how a device's tanh saturates; the exponent is clamped to
// ±88 so exp stays finite and no ∞·0 appears.
#ifndef MT_GELU_CL
#define MT_GELU_CL

#define GELU_SQRT_2_OVER_PI 0.7978845608028654f
#define GELU_COEFF 0.044715f
#define GELU_EXP_LIMIT 88.0f

static inline float gelu_exp_minus_2u(float x)
{
    float u = GELU_SQRT_2_OVER_PI * (x + GELU_COEFF * x * x * x);
    return exp(fmin(fmax(-2.0f * u, -GELU_EXP_LIMIT), GELU_EXP_LIMIT));
}

static inline float gelu_value(float x)
{
    return x / (1.0f + gelu_exp_minus_2u(x));
}

// d GELU(x)/dx = σ(2u) + 2x·σ(2u)·σ(−2u)·u'(x), with σ(−2u) = e·σ(2u) for e = exp(−2u).
static inline float gelu_derivative(float x)
{
    float e = gelu_exp_minus_2u(x);
    float s = 1.0f / (1.0f + e);
    float du = GELU_SQRT_2_OVER_PI * (1.0f + 3.0f * GELU_COEFF * x * x);
    return s + 2.0f * x * s * (e * s) * du;
}

#endif
