"""The job centre in the loop: the exchange, its answers, joint conversations, DFDG."""
