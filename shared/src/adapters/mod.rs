//! Implementations of the ports against AWS and HTTP services.
