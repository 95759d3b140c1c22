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


# ----------------------------------------------------------------------------------------------------
# Part 5 (optional): beyond the page.
#
# Beyond the page: what the page asserts, measured (optional part 5; `adam-hw release --with beyond`).
#
# The page makes four claims it never checks: that v_t estimates E[g^2], that eps has no practical effect,
# that beta2 = 0.999 remembers about 1000 steps, and that Adam gives the two parameters a 100x difference
# in step size, which is "the bathtub solution". Each function below tests one of them. The functions that
# run Adam (bias_by_monte_carlo, rate_ratios, adam_moves, adam_losses) must call your own update_v,
# bias_correct and effective_step by name, as written here: the grader runs them once with your three
# functions and once with exact ones, so a slip in tasks 1-3 is charged there, once, and not again here.
#
# Values are judged as in tasks 1-3 (within a relative 1e-6), except the Monte Carlo means, which are judged
# within five standard errors of the exact expectation, and the losses of the bathtub, which are judged on
# their first steps and by thresholds the grader works out for the same quadratic.



def bias_by_monte_carlo(t, beta2=0.999, runs=20000, seed=0):
    """Beyond 5.1: the bias of v_t, measured. Run update_v from v_0 = 0 for t steps in `runs` independent runs,
    each with its own gradients g_1..g_t drawn from the standard normal (so E[g^2] = 1), and bias_correct the
    result.

    Returns:
        np.array([mean of v_t, mean of v_hat_t]) over the runs: about (1 - beta2**t) and about 1.
    Use np.random.default_rng(seed) and pass all runs to update_v at once as one array.
    """
    ### BEGIN SOLUTION
    rng = np.random.default_rng(seed)
    v = np.zeros(runs)
    for _ in range(t):
        v = update_v(v, rng.standard_normal(runs), beta2=beta2)
    v_hat = bias_correct(v, t, beta2=beta2)
    return np.array([np.mean(v), np.mean(v_hat)])
    ### END SOLUTION


def expected_v(t, beta2, s):
    """Beyond 5.1, by algebra: E[v_t] worked out with sympy from task 4's closed form.

    Task 4 checks that your update_v, unrolled from v_0 = 0, is (1 - beta2) * sum_i beta2**(t-i) * g_i**2.
    Take its expectation for stationary gradients, E[g_i**2] = s for every i (the expectation of a sum is the
    sum of the expectations), and let sympy do the sum. t is an integer; beta2 and s may be sympy symbols or
    numbers. Returns the expression: a polynomial in beta2 and s for symbols, a float for numbers.
    """
    ### BEGIN SOLUTION
    import sympy

    i = sympy.Symbol("i", integer=True, positive=True)
    closed = (1 - beta2) * sympy.Sum(beta2 ** (t - i) * s, (i, 1, t))
    expectation = sympy.expand(closed.doit())
    return float(expectation) if expectation.is_number else expectation
    ### END SOLUTION


def eps_cap(alpha=0.001, eps=1e-8):
    """Beyond 5.2: the largest learning rate Adam can give, reached when v_hat = 0: effective_step(0, alpha, eps)."""
    ### BEGIN SOLUTION
    return alpha / eps
    ### END SOLUTION


def eps_matters_below(eps=1e-8, share=0.01):
    """Beyond 5.2: the v_hat below which eps changes the learning rate by more than `share` (a fraction).

    Compare alpha / (sqrt(v_hat) + eps) with the rate without eps, alpha / sqrt(v_hat): return the v_hat at
    which the first is smaller than the second by exactly `share` of the second. (alpha cancels.)
    """
    ### BEGIN SOLUTION
    return eps * (1 - share) / share
    ### END SOLUTION


def half_life(beta2=0.999):
    """Beyond 5.3: after how many steps a gradient's weight in v_t has halved: the h with beta2**h = 1/2."""
    ### BEGIN SOLUTION
    return np.log(0.5) / np.log(beta2)
    ### END SOLUTION


def weight_share(n, beta2=0.999):
    """Beyond 5.3: the share of v_t's weight that the last n steps carry, once t is large (t -> infinity).

    v_t = (1 - beta2) * sum_i beta2**(t-i) * g_i**2: step t - k gets weight (1 - beta2) * beta2**k.
    """
    ### BEGIN SOLUTION
    return 1 - beta2**n
    ### END SOLUTION


def rate_ratios(g_big, g_small, beta2=0.999, alpha=0.001, eps=1e-8):
    """Beyond 5.4: step by step, the small-gradient parameter's learning rate over the big one's.

    g_big and g_small are two gradient sequences of the same length T (the page's [10, 12, 8] and
    [0.1, -0.2, 0.3]). Run each through update_v, bias_correct and effective_step from v_0 = 0.

    Returns:
        A float64 array of T ratios, step(small) / step(big) at t = 1..T.
    """
    ### BEGIN SOLUTION
    g = np.array([g_big, g_small], dtype=np.float64).T
    v = np.zeros(2)
    out = []
    for t, g_t in enumerate(g, start=1):
        v = update_v(v, g_t, beta2=beta2)
        step = effective_step(bias_correct(v, t, beta2=beta2), alpha=alpha, eps=eps)
        out.append(step[1] / step[0])
    return np.array(out)
    ### END SOLUTION


def adam_moves(g, beta1=0.9, beta2=0.999, alpha=0.001, eps=1e-8):
    """Beyond 5.5: what Adam actually moves each parameter by: the learning rate times m_hat.

    g is a gradient sequence: T numbers, or a (T, n) array (row t - 1 is step t's gradient of n parameters).
    m_t = beta1 * m_{t-1} + (1 - beta1) * g_t and m_hat_t = m_t / (1 - beta1**t) (page 11), from m_0 = 0;
    v_t and v_hat_t as in tasks 1-2. The move at step t is effective_step(v_hat_t) * m_hat_t.

    Returns:
        A float64 array of g's shape: the move at each step (the parameter goes down by it).
    """
    ### BEGIN SOLUTION
    g = np.asarray(g, dtype=np.float64)
    m = np.zeros(g.shape[1:])
    v = np.zeros(g.shape[1:])
    out = []
    for t, g_t in enumerate(g, start=1):
        m = beta1 * m + (1 - beta1) * g_t
        v = update_v(v, g_t, beta2=beta2)
        step = effective_step(bias_correct(v, t, beta2=beta2), alpha=alpha, eps=eps)
        out.append(step * m / (1 - beta1**t))
    return np.array(out, dtype=np.float64)
    ### END SOLUTION


def adam_losses(hessian, x0, steps, alpha=0.1, beta1=0.9, beta2=0.999, eps=1e-8):
    """Beyond 5.6: Adam on the bathtub f(x) = x @ hessian @ x / 2 (its gradient is hessian @ x), from x0.

    Each step: g = hessian @ x, then m and v as in adam_moves, then x = x - (the move).

    Returns:
        A float64 array of steps + 1 losses: f(x0), then f after each step.
    """
    ### BEGIN SOLUTION
    hessian = np.asarray(hessian, dtype=np.float64)
    x = np.array(x0, dtype=np.float64)
    m = np.zeros_like(x)
    v = np.zeros_like(x)
    losses = [x @ hessian @ x / 2]
    for t in range(1, steps + 1):
        g = hessian @ x
        m = beta1 * m + (1 - beta1) * g
        v = update_v(v, g, beta2=beta2)
        step = effective_step(bias_correct(v, t, beta2=beta2), alpha=alpha, eps=eps)
        x = x - step * m / (1 - beta1**t)
        losses.append(x @ hessian @ x / 2)
    return np.array(losses)
    ### END SOLUTION


def sgd_losses(hessian, x0, steps, alpha=0.019):
    """Beyond 5.6: plain gradient descent on the same bathtub: x = x - alpha * (hessian @ x) at each step.

    Returns:
        A float64 array of steps + 1 losses: f(x0), then f after each step.
    """
    ### BEGIN SOLUTION
    hessian = np.asarray(hessian, dtype=np.float64)
    x = np.array(x0, dtype=np.float64)
    losses = [x @ hessian @ x / 2]
    for _ in range(steps):
        x = x - alpha * (hessian @ x)
        losses.append(x @ hessian @ x / 2)
    return np.array(losses)
    ### END SOLUTION


#: Beyond 5.7, written (read by a person, not auto-graded): in two or three sentences of your own, why does the
#: ratio of the two learning rates fall after step 1, and why does turning the bathtub by 45 degrees slow Adam
#: down but not plain gradient descent?
BEYOND_ANSWER = """
"""
