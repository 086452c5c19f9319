"""Training: the skorch nets, batching, data-parallel training, the callbacks
(convergence, health, progress), transactional fits and the threads of a fit."""
