"""Automatic differentiation made visible: computation graphs, their primitives,
forward and reverse sweeps, cost accounting and trace tables.

* :mod:`.primitives` - the rule table: each primitive's value and local derivative;
* :mod:`.algebra` - what a number system offers the rules (exact, float64, dual);
* :mod:`.graph` - a function as a graph of primitive nodes;
* :mod:`.trace` - forward (JVP), reverse (VJP) and Hessian-vector sweeps over it;
* :mod:`.cost` - what a sweep costs, against finite differences;
* :mod:`.tables` - trace tables and graph drawings for people.
"""
