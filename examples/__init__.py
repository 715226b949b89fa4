"""The bundled thesis study: anonymised notes per expert and Appendix A (package data)."""
