"""Optimization: update rules and runs (:mod:`.optimizers`), convergence theory on
quadratics (:mod:`.convergence`), classifiers and an MLP (:mod:`.models`), matrix
factorization (:mod:`.factorization`) and their figures (:mod:`.plots`)."""
