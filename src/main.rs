fn main() -> std::process::ExitCode {
    // Before any thread starts: candle's matrix kernels run single-threaded, and the embedder
    // spreads batches over the cores itself (see `search::embed`).
    paperboy::search::embed::single_threaded_kernels();
    paperboy::cli::main()
}
