"""A pre-Linen training script (flax <= 0.3): flax.nn modules and flax.optim.

Every use of the removed APIs below is something flake8-flax reports; most need a human port to Linen and
Optax (run `flake8-flax check examples/flax_nn_era_cnn.py` to see each with its hint).
"""
import jax
import jax.numpy as jnp
from flax import nn, optim


class CNN(nn.Module):
    def apply(self, x, num_classes=10, train=True):
        conv = nn.Conv.partial(kernel_size=(3, 3), bias=False)
        x = conv(x, features=32)
        x = nn.relu(x)
        x = nn.avg_pool(x, window_shape=(2, 2), strides=(2, 2))
        x = x.reshape((x.shape[0], -1))
        x = nn.dropout(x, rate=0.5, deterministic=not train)
        x = nn.Dense(x, features=num_classes)
        return nn.log_softmax(x)


def create_model(key):
    _, initial_params = CNN.init_by_shape(key, [((1, 28, 28, 1), jnp.float32)])
    return nn.Model(CNN, initial_params)


def create_optimizer(model, learning_rate, beta):
    optimizer_def = optim.Momentum(learning_rate=learning_rate, beta=beta)
    return optimizer_def.create(model)


@jax.jit
def train_step(optimizer, batch):
    def loss_fn(model):
        logits = model(batch["image"])
        return -jnp.mean(jnp.sum(jax.nn.one_hot(batch["label"], 10) * logits, axis=-1))

    grad = jax.grad(loss_fn)(optimizer.target)
    return optimizer.apply_gradient(grad)


if __name__ == "__main__":
    model = create_model(jax.random.PRNGKey(0))
    optimizer = create_optimizer(model, 0.1, 0.9)
    batch = {"image": jnp.ones((4, 28, 28, 1)), "label": jnp.arange(4)}
    optimizer = train_step(optimizer, batch)
