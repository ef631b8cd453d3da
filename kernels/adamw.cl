// AdamW (torch.optim.AdamW semantics, see AdamWStep) over one flat slice; the bias corrections 1/(1 − β^t) are
// computed on the host in double precision and passed in.
__kernel void adamw(__global float* params, const long offP, __global const float* grads, const long offG,
                    __global float* m, const long offM, __global float* v, const long offV, const long n,
                    const float lr, const float beta1, const float beta2, const float eps, const float weightDecay,
                    const float gradScale, const float invBias1, const float invBias2)
{
    params += offP; grads += offG; m += offM; v += offV;
    for (long i = get_global_id(0); i < n; i += get_global_size(0)) {
        float g = gradScale * grads[i];
        float mi = beta1 * m[i] + (1.0f - beta1) * g;
        float vi = beta2 * v[i] + (1.0f - beta2) * g * g;
        m[i] = mi;
        v[i] = vi;
        float mhat = mi * invBias1, vhat = vi * invBias2;
        float p = params[i];
        params[i] = p - lr * (mhat / (sqrt(vhat) + eps) + weightDecay * p);
    }
}
