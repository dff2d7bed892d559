"""A "mutable arrays" training script (written for flax 0.11.0 / jax 0.7.0, before the rename to refs).

On today's Flax it raises `AttributeError: Module flax.nnx has no attribute 'mutable'`; `use_mutable_arrays`,
`freeze`, `Variable.mutable` and `jax.experimental.mutable_array` are gone too, and `mutable=True` is silently
ignored (the running loss sum would stay 0). `flake8-flax fix --unsafe-fixes` migrates it: `nnx.mutable` /
`nnx.freeze` become `nnx.with_vars(..., ref=True/False)`, `nnx.use_mutable_arrays(True)` becomes
`nnx.var_defaults(ref=True)`, `mutable=True` becomes `ref=True`, `.mutable` becomes `.ref` and
`jax.experimental.mutable_array` becomes `jax.new_ref`.
"""
import jax
import jax.numpy as jnp
from flax import nnx

x = jnp.array([[a, b] for a in (-1.0, 0.0, 1.0) for b in (-1.0, 0.0, 1.0)])
y = x @ jnp.array([[2.0], [-1.0]]) + 0.5
STEPS, LR = 15, 0.1

model = nnx.Linear(2, 1, kernel_init=nnx.initializers.zeros, rngs=nnx.Rngs(0))
graphdef, params = nnx.split(nnx.mutable(model), nnx.Param)
with nnx.use_mutable_arrays(True):
    steps = nnx.Variable(jnp.array(0))
loss_sum = nnx.Variable(jnp.array(0.0), mutable=True)
best = jax.experimental.mutable_array(jnp.array(jnp.inf))
assert steps.mutable


def loss_fn(p):
    return ((nnx.merge(graphdef, p)(x) - y) ** 2).mean()


@jax.jit
def train_step(params, steps, loss_sum, best):
    loss, grads = jax.value_and_grad(loss_fn)(nnx.freeze(params))
    for p, g in zip(jax.tree.leaves(params), jax.tree.leaves(grads)):
        p[...] = p[...] - LR * g
    steps[...] += 1
    loss_sum[...] += loss
    best[...] = jnp.minimum(best[...], loss)
    return loss


losses = [float(train_step(params, steps, loss_sum, best)) for _ in range(STEPS)]
kernel, bias = params["kernel"][...], params["bias"][...]
print(f"loss {losses[0]:.4f} -> {losses[-1]:.4f}, steps {int(steps[...])}")
print(f"mean loss {float(loss_sum[...]) / STEPS:.4f}, best {float(best[...]):.4f}")
print(f"kernel {[round(float(k), 4) for k in kernel[:, 0]]}, bias {round(float(bias[0]), 4)}")
assert all(a > b for a, b in zip(losses, losses[1:])) and int(steps[...]) == STEPS
assert float(best[...]) == losses[-1] and abs(float(loss_sum[...]) - sum(losses)) < 1e-4
assert model.kernel[...].sum() == 0.0  # nnx.mutable made a copy: the original model is untouched
