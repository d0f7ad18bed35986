//! Secret detection: ML provider tokens, cloud keys, private keys, generic high-entropy values.
