"""The modules behind Seq2SeqTransformer: decoding, teacher forcing, attention masks."""

import itertools
import math

import numpy as np
import pytest
import torch

from skrnn._input.vocab import EOS, PAD, SOS
from skrnn._torch.seq2seq import Seq2SeqModule, beam_search, greedy_decode

# small nets on a small shared machine: one intra-op thread is much faster
pytestmark = pytest.mark.usefixtures("one_torch_thread")


# Token ids of a hand-set decoder: 0 padding, 1 start, 2 end, 3 "a", 4 "b".
A, B = 3, 4


def markov_step(probs: dict[int, list[float]]):
    """A decoder whose next-token distribution depends only on the previous token.

    ``probs[prev]`` lists the probabilities of (end, a, b); padding and start get none.
    """
    table = torch.full((5, 5), float("-inf"))
    for prev, (p_end, p_a, p_b) in probs.items():
        table[prev, EOS], table[prev, A], table[prev, B] = map(math.log, (p_end, p_a, p_b))

    def step(inp, state):
        return table[inp], state

    return step


# "a" is the locally best first token (0.6 > 0.4), but every continuation of "a" is
# unlikely, while "b" is almost surely followed by the end token:
#   P(a, end) = 0.6 * 0.34 = 0.204      P(b, end) = 0.3999 * 0.9 = 0.36
TRAP = {SOS: [0.0001, 0.6, 0.3999], A: [0.34, 0.33, 0.33], B: [0.9, 0.05, 0.05]}


def test_beam_search_finds_the_more_probable_sequence_greedy_misses():
    step = markov_step(TRAP)
    start = torch.tensor([SOS])
    greedy, greedy_logp = greedy_decode(step, {}, start, max_steps=4)
    beam, beam_logp = beam_search(step, {}, start, max_steps=4, beam_width=2)
    assert greedy[0].tolist() == [A, EOS]
    assert beam[0].tolist()[:2] == [B, EOS]
    assert math.isclose(float(greedy_logp), math.log(0.6 * 0.34), rel_tol=1e-5)
    assert math.isclose(float(beam_logp), math.log(0.3999 * 0.9), rel_tol=1e-5)
    assert float(beam_logp) > float(greedy_logp)


def test_beam_width_one_is_greedy():
    step = markov_step(TRAP)
    start = torch.tensor([SOS, A, B])  # three rows started differently
    greedy, greedy_logp = greedy_decode(step, {}, start, max_steps=5)
    beam, beam_logp = beam_search(step, {}, start, max_steps=5, beam_width=1)
    torch.testing.assert_close(beam, greedy)
    torch.testing.assert_close(beam_logp, greedy_logp)


def _all_sequences(step, max_steps):
    """Exhaustive search: (log-probability, tokens) of every sequence ending in EOS."""
    best = []
    for n in range(1, max_steps + 1):
        for body in itertools.product([A, B], repeat=n - 1):
            seq, logp, prev = [*body, EOS], 0.0, SOS
            for tok in seq:
                logp += float(torch.log_softmax(step(torch.tensor([prev]), {})[0], -1)[0, tok])
                prev = tok
            best.append((logp, seq))
    return max(best)


@pytest.mark.parametrize("seed", range(4))
def test_wide_beam_equals_exhaustive_search(seed):
    rng = np.random.RandomState(seed)
    probs = {prev: list(rng.dirichlet([1.0, 1.0, 1.0])) for prev in (SOS, A, B)}
    step = markov_step(probs)
    best_logp, best_seq = _all_sequences(step, max_steps=4)
    # 3 tokens per step: a beam of 27 keeps every prefix of up to 3 tokens
    tokens, logp = beam_search(step, {}, torch.tensor([SOS]), max_steps=4, beam_width=27)
    assert tokens[0, : len(best_seq)].tolist() == best_seq
    assert math.isclose(float(logp), best_logp, rel_tol=1e-5)


def make_module(tokens=True, attention="additive", **kw):
    torch.manual_seed(0)
    return Seq2SeqModule(
        n_inputs=9 if tokens else 3,
        n_outputs=7 if tokens else 2,
        tokens_in=tokens,
        tokens_out=tokens,
        units=8,
        attention=attention,
        **kw,
    )


def _joint_logp(m, X, lengths, sequences):
    """Joint log-probability of each sequence for each source row, by the teacher-forced
    forward pass (a different code path from decoding): ``(n_rows, n_sequences)``. The end
    token is not allowed before step 3."""
    n, k = len(X), len(sequences)
    Y = torch.tensor(sequences).repeat(n, 1)
    logits = m(X.repeat_interleave(k, 0), lengths.repeat_interleave(k, 0), Y)
    logits[..., [PAD, SOS]] = float("-inf")
    logits[:, :2, EOS] = float("-inf")
    logp = torch.log_softmax(logits, -1).gather(2, Y[..., None])[..., 0]
    return logp.sum(1).view(n, k)


@pytest.mark.parametrize("attention", [None, "dot"])
def test_wide_beam_of_a_real_decoder_equals_exhaustive_search(attention):
    """Beam search with a beam that keeps every hypothesis finds the most probable
    sequence, and its score is that sequence's joint probability: the decoder states
    must follow their hypotheses through the beam's reordering."""
    torch.manual_seed(1)
    m = Seq2SeqModule(9, 6, True, True, units=8, attention=attention).eval()
    with torch.no_grad():
        m.decoder.out.weight.mul_(8.0)  # peaked, state-dependent next-token distributions

    def step(inp, state):  # the real decoder, with the end token allowed from step 3 on
        logits, new = m._token_step(inp, state)
        logits[new["t"] < 2, EOS] = float("-inf")
        return logits, {**new, "t": new["t"] + 1}

    X = torch.randint(3, 9, (3, 5))
    lengths = torch.tensor([5, 2, 4])
    sequences = [[*body, EOS] for body in itertools.product([3, 4, 5], repeat=2)]
    with torch.no_grad():
        exhaustive = _joint_logp(m, X, lengths, sequences)
        state = {**m.encode(X, lengths), "t": torch.zeros(3)}
        best, logp = beam_search(step, state, torch.full((3,), SOS), 3, beam_width=100)
    for i in range(3):
        j = int(exhaustive[i].argmax())
        assert best[i].tolist() == sequences[j]
        assert math.isclose(float(logp[i]), float(exhaustive[i, j]), rel_tol=1e-4)


@pytest.mark.parametrize("attention", [None, "additive", "dot"])
def test_teacher_forcing_feeds_previous_target(attention):
    """With full teacher forcing, step t sees the targets before t and nothing else."""
    m = make_module(attention=attention).train()
    X = torch.randint(3, 9, (4, 6))
    y = torch.randint(3, 7, (4, 5))
    out = m(X, y_teacher=y)
    y2 = y.clone()
    y2[:, 2] = torch.where(y[:, 2] == 3, 4, 3)  # change target step 2
    out2 = m(X, y_teacher=y2)
    torch.testing.assert_close(out[:, :3], out2[:, :3])  # steps 0-2 do not read y_2
    assert not torch.allclose(out[:, 3], out2[:, 3])  # step 3 reads it


def test_teacher_forced_pass_matches_step_by_step_decoding():
    """The one-call training pass and the step-by-step decoder compute the same thing."""
    m = make_module(attention="dot").eval()
    X = torch.randint(3, 9, (5, 6))
    lengths = torch.tensor([6, 4, 1, 3, 6])
    decoded = m.decode(X, lengths, max_steps=4)
    logits = m(X, lengths, y_teacher=decoded)
    allowed = logits.clone()
    allowed[..., [PAD, SOS]] = float("-inf")
    ended = torch.cumsum(decoded == EOS, dim=1) - (decoded == EOS).long()
    live = ended == 0  # steps up to and including each row's end token
    assert torch.equal(allowed.argmax(-1)[live], decoded[live])


def test_no_teacher_forcing_ignores_targets():
    m = make_module(teacher_forcing=0.0).train()
    X = torch.randint(3, 9, (4, 6))
    y = torch.randint(3, 7, (4, 5))
    torch.testing.assert_close(m(X, y_teacher=y), m(X, y_teacher=torch.flip(y, [1])))


def test_partial_teacher_forcing_is_seeded():
    m = make_module(teacher_forcing=0.5).train()
    X = torch.randint(3, 9, (4, 6))
    y = torch.randint(3, 7, (4, 5))
    torch.manual_seed(1)
    a = m(X, y_teacher=y)
    torch.manual_seed(1)
    torch.testing.assert_close(m(X, y_teacher=y), a)


@pytest.mark.parametrize("attention", ["additive", "dot"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_padding_never_reaches_the_output(attention, bidirectional):
    """Whatever sits beyond a sequence's length changes neither outputs nor embeddings."""
    m = make_module(attention=attention, bidirectional=bidirectional).eval()
    X = torch.randint(3, 9, (3, 7))
    lengths = torch.tensor([7, 3, 1])
    y = torch.randint(3, 7, (3, 4))
    X2 = X.clone()
    X2[1, 3:], X2[2, 1:] = 5, 8
    torch.testing.assert_close(m(X, lengths, y_teacher=y), m(X2, lengths, y_teacher=y))
    torch.testing.assert_close(m.embed(X, lengths), m.embed(X2, lengths))
    # and equals the result for the sequence alone, without padding
    alone = m(X[1:2, :3], torch.tensor([3]), y_teacher=y[1:2])
    torch.testing.assert_close(m(X, lengths, y_teacher=y)[1:2], alone)


def test_attention_weights_are_zero_on_padding():
    m = make_module(attention="additive").eval()
    X = torch.randint(3, 9, (2, 5))
    state = m.encode(X, torch.tensor([5, 2]))
    query = torch.randn(2, 3, 8)
    _, weights = m.decoder.attention(query, state["keys"], state["values"], state["mask"])
    assert torch.all(weights[1, :, 2:] == 0)
    torch.testing.assert_close(weights.sum(-1), torch.ones(2, 3))


def test_decoding_never_emits_padding_or_start():
    m = make_module(attention=None).eval()
    with torch.no_grad():  # make padding and start the most likely outputs
        m.decoder.out.bias[PAD] = 100.0
        m.decoder.out.bias[SOS] = 50.0
    X = torch.randint(3, 9, (3, 4))
    for width in (1, 3):
        out = m.decode(X, max_steps=5, beam_width=width)
        ended = torch.cumsum(out == EOS, dim=1) > 0
        assert not torch.any((out == SOS) | ((out == PAD) & ~ended))


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_continuous_module_shapes(cell):
    m = make_module(tokens=False, cell=cell, num_layers=2, bidirectional=True)
    X = torch.randn(4, 6, 3)
    assert m(X, y_teacher=torch.randn(4, 5, 2)).shape == (4, 5, 2)
    assert m.eval().decode(X, max_steps=7).shape == (4, 7, 2)
    assert m.embed(X).shape == (4, 16)
