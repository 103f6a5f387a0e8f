//! The `churn` command line: parses arguments, calls the library, renders results
//! and maps errors to exit codes. No job logic lives here.

mod cli;

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;
use tracing::{error, info, warn};

use churn::error::ErrorKind;
use churn::pipeline;
use churn::settings::{Checked, SettingsError};
use churn::timing::{Timing, Timings};
use cli::{Cli, Command, LogFormat};

/// Exit codes, documented in the README. 101 (a panic) is always a bug.
mod exit {
    pub const OK: i32 = 0;
    pub const USAGE: i32 = 2;
    pub const DATA: i32 = 3;
    pub const MODEL: i32 = 4;
    pub const IO: i32 = 5;
}

/// Any command's failure.
#[derive(Debug, thiserror::Error)]
enum Failure {
    #[error(transparent)]
    Job(#[from] pipeline::Error),
    #[error(transparent)]
    Generate(#[from] churn::generate::GenerateError),
}

impl Failure {
    fn kind(&self) -> ErrorKind {
        match self {
            Failure::Job(e) => e.kind(),
            Failure::Generate(churn::generate::GenerateError::InvalidConfig(_)) => {
                ErrorKind::Usage
            }
            Failure::Generate(_) => ErrorKind::Io,
        }
    }

    fn exit_code(&self) -> i32 {
        match self.kind() {
            ErrorKind::Usage => exit::USAGE,
            ErrorKind::Data => exit::DATA,
            ErrorKind::Model => exit::MODEL,
            ErrorKind::Io => exit::IO,
        }
    }

    /// The message for the terminal: settings named by their flags, and what to do
    /// about a refused run.
    fn message(&self) -> String {
        match self {
            Failure::Job(pipeline::Error::Settings(e)) => e.render(cli::flag),
            Failure::Job(e @ pipeline::Error::QualityGate(_)) => {
                format!("{e} (rerun with --force to publish anyway)")
            }
            e => chain(e),
        }
    }
}

fn main() -> ExitCode {
    // A panic inside the Parquet decoder on a corrupt file is turned into a data
    // error by the library; keep its text off the terminal. Any other panic is a bug
    // and is reported as usual.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !churn::ingest::guard::in_decoder() {
            default_hook(info);
        }
    }));
    let cli = Cli::parse();
    init_logging(&cli);
    match run(cli) {
        Ok(code) => ExitCode::from(code as u8),
        Err(e) => {
            error!(exit_code = e.exit_code(), "{}", e.message());
            ExitCode::from(e.exit_code() as u8)
        }
    }
}

/// The error and its causes, one sentence.
fn chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let text = c.to_string();
        if !s.contains(&text) {
            s.push_str(": ");
            s.push_str(&text);
        }
        cause = c.source();
    }
    s
}

/// Settings checked once, before any work; a bad value exits 2.
fn checked<T: churn::settings::Check>(value: T) -> Result<Checked<T>, Failure> {
    Checked::new(value).map_err(|e| Failure::Job(e.into()))
}

fn job<E: Into<pipeline::Error>>(e: E) -> Failure {
    Failure::Job(e.into())
}

fn run(cli: Cli) -> Result<i32, Failure> {
    if let Some(n) = cli.threads {
        churn::settings::in_range("threads", n, 1, 4096).map_err(job)?;
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global()
            .map_err(|_| {
                job(SettingsError::out_of_range(
                    "threads",
                    "a number of threads this machine can start",
                    n,
                ))
            })?;
    }
    // A progress bar over usage rows, only when a person watches (indicatif draws
    // nothing when stderr is not a terminal, so schedulers' logs stay clean).
    let bar =
        indicatif::ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::stderr());
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} {human_pos} usage rows read ({per_sec}) {elapsed}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
    );
    if cli.quiet || !std::io::stderr().is_terminal() {
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    let progress = |n: u64| bar.inc(n);
    match cli.command {
        Command::Validate(args) => {
            let report = churn::validate::validate(&args.data, pipeline::not_after(args.as_of))
                .map_err(job)?;
            println!("{report}");
            Ok(if report.usable() {
                exit::OK
            } else {
                exit::DATA
            })
        }
        Command::Generate(a) => {
            let mut cfg = churn::generate::GenerateConfig::new(&a.out, a.accounts, a.seed);
            cfg.days = a.days;
            cfg.usage_scale = a.usage_scale;
            cfg.truth = a.truth;
            if let Some(d) = a.as_of {
                cfg.as_of = d;
            }
            let start = std::time::Instant::now();
            let s = churn::generate::generate(&cfg)?;
            info!(
                accounts = s.accounts,
                churned = s.churned,
                usage_rows = s.usage_rows,
                ticket_rows = s.ticket_rows,
                survey_rows = s.survey_rows,
                bytes = s.bytes_written,
                seconds = start.elapsed().as_secs_f64(),
                "wrote {}",
                a.out.display()
            );
            Ok(exit::OK)
        }
        Command::Features(a) => {
            let plan = checked(a.plan.settings())?;
            let mut t = Timings::default();
            let p = pipeline::prepare(&a.data.data, a.data.as_of, &plan, &mut t, &progress)?;
            log_set_aside(&p);
            t.time("export", || {
                churn::features::export::write(&p.matrix, &p.data.accounts, &a.out)
            })
            .map_err(job)?;
            info!(rows = p.matrix.rows(), as_of = %p.plan.as_of, "wrote {}", a.out.display());
            log_timings(&t.0);
            Ok(exit::OK)
        }
        Command::Train(a) => {
            if let Some(s) = a.byo_settings() {
                let out = churn::byo::train(&checked(s)?).map_err(job)?;
                for w in &out.warnings {
                    warn!("{w}");
                }
                print!("{}", churn::byo::describe(&out));
                info!(model = %out.model.model_version, "saved {}", out.path.display());
                return Ok(exit::OK);
            }
            let plan = checked(a.plan.settings())?;
            let params = checked(a.model.params())?;
            let mut t = Timings::default();
            let p = pipeline::prepare(&a.data.data, a.data.as_of, &plan, &mut t, &progress)?;
            log_set_aside(&p);
            let out = pipeline::train(&p, &params, &a.model.models, &mut t)?;
            for w in &out.warnings {
                warn!("{w}");
            }
            let m = &out.model;
            print!("{}", pipeline::describe(m, &p.plan));
            info!(model = %m.model_version, "saved {}", out.path.display());
            log_timings(&t.0);
            Ok(exit::OK)
        }
        Command::Score(a) => {
            let settings = checked(a.run_settings())?;
            let out = pipeline::run(&settings, &progress)?;
            bar.finish_and_clear();
            report_run(&out);
            Ok(exit::OK)
        }
        Command::Run(a) => {
            let settings = checked(a.run_settings())?;
            let out = pipeline::run(&settings, &progress)?;
            bar.finish_and_clear();
            report_run(&out);
            Ok(exit::OK)
        }
    }
}

fn report_run(out: &pipeline::RunOutcome) {
    // Warnings were logged as the run published them.
    let m = &out.manifest;
    let v = &m.model.validation;
    info!(
        model = %m.model.model_version,
        roc_auc = format!("{:.4}", v.roc_auc),
        pr_auc = format!("{:.4}", v.pr_auc),
        "model {}",
        if m.model.trained_in_this_run { "trained" } else { "loaded" }
    );
    log_timings(&m.timings);
    println!(
        "Scored {} active accounts as of {}.",
        m.accounts_scored, m.as_of
    );
    println!(
        "Expected churners within {} days: {:.1}; revenue at risk: {:.0} a year.",
        m.horizon_days, m.expected_churners, m.revenue_at_risk
    );
    let actions: Vec<String> = m
        .accounts_per_action
        .iter()
        .map(|(a, n)| format!("{a} {n}"))
        .collect();
    println!("Actions: {}.", actions.join(", "));
    println!("Wrote {}", out.folder.display());
}

/// One log line per stage with its wall time.
fn log_timings(timings: &[Timing]) {
    for s in timings {
        info!(
            stage = s.stage,
            seconds = format!("{:.3}", s.seconds),
            "timing"
        );
    }
}

fn log_set_aside(p: &pipeline::Prepared) {
    for w in &p.warnings {
        warn!("{w}");
    }
    for e in p
        .data
        .set_aside
        .entries()
        .chain(p.matrix.usage_set_aside.entries())
    {
        warn!(
            table = e.table.name(),
            rows = e.rows,
            example = %e.example,
            value = %e.example_value,
            "{} {}",
            if e.row_kept { "value ignored:" } else { "rows set aside:" },
            e.reason
        );
    }
}

fn init_logging(cli: &Cli) {
    let level = if cli.quiet { "warn" } else { "info" };
    let filter = tracing_subscriber::EnvFilter::try_from_env("CHURN_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    match cli.log_format {
        LogFormat::Text => builder.with_target(false).without_time().init(),
        LogFormat::Json => builder.json().init(),
    }
}
