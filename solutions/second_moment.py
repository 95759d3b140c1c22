"""Adam's second-moment estimate: the running average of squared gradients (MATH 3850, page 10).

Adam gives every parameter its own learning rate. It keeps, for each parameter, a running average of the
squares of that parameter's gradients, `v`. A parameter whose gradients have been large gets a large `v`
and so a small rate; one whose gradients have been small gets a small `v` and a large rate, like a mixing
board with one volume slider per instrument.

You write three functions, one task each. Each takes Python numbers, lists or numpy arrays of any shape,
works elementwise in float64, returns a float64 numpy array of the input's shape (a float for a scalar
input), and never changes the arrays it is given.

What counts as equal: a value is right when it is within a relative 1e-6 of the exact value (about 6
significant digits), in every check, the identity items included. The page prints rounded figures: its
"≈122" is 122.011..., so 122 would not count, while correct float64 code agrees to about 14 digits.

    Task update_v        v_t     = beta2 * v_{t-1} + (1 - beta2) * g_t**2
    Task bias_correct    v_hat_t = v_t / (1 - beta2**t)          (t counts steps from 1)
    Task effective_step  step    = alpha / (sqrt(v_hat_t) + eps)

A fourth task, identity, has nothing new to write: the grader checks two properties of your functions,
with exact algebra where your code takes sympy symbols and always at numbers too: unrolled from v_0 = 0,
update_v gives the closed form (1 - beta2) * sum_i beta2**(t-i) * g_i**2 (6 points), and update_v and
bias_correct together undo the start-up bias, so a constant gradient g gives v_hat_t = g**2 (10 points).
"""

import numpy as np


def update_v(v_prev, g, beta2=0.999):
    """Task update_v: one step of the running average of squared gradients.

    v_t = beta2 * v_prev + (1 - beta2) * g**2, elementwise.

    Args:
        v_prev: the previous average v_{t-1} (v_0 = 0 before the first step); a number, list or array.
        g: this step's gradient g_t, the same shape as v_prev; it may be negative or zero.
        beta2: how long the average remembers, between 0 and 1 (default 0.999, about 1000 steps).

    Returns:
        v_t as a float64 numpy array of the same shape (a float when the inputs are numbers).
        The square makes every term positive and weighs large gradients most. Do not change v_prev or g.
    """
    ### BEGIN SOLUTION
    v_prev = np.asarray(v_prev, dtype=np.float64)
    g = np.asarray(g, dtype=np.float64)
    v = beta2 * v_prev + (1.0 - beta2) * g**2
    return float(v) if v.ndim == 0 else v
    ### END SOLUTION


def bias_correct(v, t, beta2=0.999):
    """Task bias_correct: undo the pull towards zero that v_0 = 0 gives the early averages.

    v_hat_t = v / (1 - beta2**t), elementwise, where t counts steps from 1 (the first update is t = 1).

    Args:
        v: the running average v_t after t updates; a number, list or array.
        t: how many updates made v, an integer t >= 1.
        beta2: the same beta2 that update_v used (default 0.999).

    Returns:
        v_hat_t as a float64 numpy array of the same shape (a float when v is a number). Do not change v.
    """
    ### BEGIN SOLUTION
    if t < 1:
        raise ValueError(f"t counts updates from 1, got t={t}")
    v = np.asarray(v, dtype=np.float64)
    v_hat = v / (1.0 - beta2**t)
    return float(v_hat) if v_hat.ndim == 0 else v_hat
    ### END SOLUTION


def effective_step(v_hat, alpha=0.001, eps=1e-8):
    """Task effective_step: the learning rate Adam gives each parameter (the page's "effective step size").

    step = alpha / (sqrt(v_hat) + eps), elementwise: eps is added after the square root. Adam's actual
    move is this rate times m_hat, the bias-corrected first moment (page 11): at t = 1 both of the page's
    parameters move by 0.001, while their rates differ 100 times.

    Args:
        v_hat: the bias-corrected average v_hat_t, zero or positive; a number, list or array.
        alpha: the base learning rate (default 0.001).
        eps: a tiny constant that keeps the division finite when v_hat is 0 (default 1e-8).

    Returns:
        The steps as a float64 numpy array of the same shape (a float when v_hat is a number).
        A large v_hat gives a small step, a small v_hat a large one. Do not change v_hat.
    """
    ### BEGIN SOLUTION
    v_hat = np.asarray(v_hat, dtype=np.float64)
    step = alpha / (np.sqrt(v_hat) + eps)
    return float(step) if step.ndim == 0 else step
    ### END SOLUTION
