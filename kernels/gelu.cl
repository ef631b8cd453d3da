// GELU, tanh approximation (GPT-2; PyTorch approximate="tanh"), shared by elementwise.cl and the GEMM epilogue.
#ifndef MT_GELU_CL
#define MT_GELU_CL

#define GELU_SQRT_2_OVER_PI 0.7978845608028654f
#define GELU_COEFF 0.044715f

static inline float gelu_value(float x)
{
    float u = GELU_SQRT_2_OVER_PI * (x + GELU_COEFF * x * x * x);
    return 0.5f * x * (1.0f + tanh(u));
}

// d GELU(x) / dx
static inline float gelu_derivative(float x)
{
    float u = GELU_SQRT_2_OVER_PI * (x + GELU_COEFF * x * x * x);
    float t = tanh(u);
    float sech2 = 1.0f - t * t;
    float du = GELU_SQRT_2_OVER_PI * (1.0f + 3.0f * GELU_COEFF * x * x);
    return 0.5f * (1.0f + t) + 0.5f * x * sech2 * du;
}

#endif
