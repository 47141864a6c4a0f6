// `tsbpf lesson list | start N [file] | check N file.ts`: the tutorial (docs/tutorial.md). `start`
// copies a lesson's starter program into the learner's project; `check` compiles their program,
// loads it and runs the lesson's packets through it (BPF_PROG_TEST_RUN), then says what it got
// wrong on which packet. Exit codes: 0 all right, 1 a packet or map wrong, 3 compile errors,
// 4 verifier rejection (with the explanation of `tsbpf check --explain`).
import fs from "node:fs";
import path from "node:path";
import { Command } from "commander";
import { loadObject } from "../../runtime/object/index.ts";
import { LESSONS, lessonByNumber } from "../lessons/lessons.ts";
import { runLesson } from "../lessons/check.ts";
import { action, CliError, EXIT } from "./common.ts";
import { compileOrReport } from "./compile.ts";

const STARTERS = new URL("../lessons/starters/", import.meta.url);

function lessonArg(n: string) {
  const lesson = lessonByNumber(Number(n));
  if (!lesson) throw new CliError(`no lesson ${n}: lessons are 1 to ${LESSONS.length} (tsbpf lesson list)`, EXIT.USAGE);
  return lesson;
}

export function lessonCommand(): Command {
  const cmd = new Command("lesson").description(
    "the tutorial's lessons: starter programs and their checks (docs/tutorial.md)",
  );
  cmd
    .command("list")
    .description("the lessons, in order")
    .action(() => {
      for (const l of LESSONS) console.log(`${String(l.n).padStart(2)}  ${l.title.padEnd(24)} ${l.task}`);
    });
  cmd
    .command("start")
    .description("write lesson N's starter program (default: src/<NN-name>.ts)")
    .argument("<n>", "lesson number")
    .argument("[file]", "where to write it")
    .action(
      action((n: string, file?: string) => {
        const lesson = lessonArg(n);
        const out = file ?? path.join("src", `${lesson.slug}.ts`);
        if (fs.existsSync(out)) throw new CliError(`${out} exists: not overwriting it`, EXIT.USAGE);
        fs.mkdirSync(path.dirname(out), { recursive: true });
        fs.copyFileSync(new URL(`${lesson.slug}.ts`, STARTERS), out);
        console.log(
          `wrote ${out}: lesson ${lesson.n}, ${lesson.title}. When it is done: npx tsbpf lesson check ${lesson.n} ${out}`,
        );
      }),
    );
  cmd
    .command("check")
    .description("compile a lesson's program, run the lesson's packets through it, say what is wrong (needs root)")
    .argument("<n>", "lesson number")
    .argument("<file>", "your program (.ts)")
    .action(
      action(async (n: string, file: string) => {
        const lesson = lessonArg(n);
        const compiled = await compileOrReport(file);
        if (!compiled) return;
        const obj = await loadObject(compiled.object);
        try {
          const report = runLesson(lesson, obj);
          (report.ok ? console.log : console.error)(report.lines.join("\n"));
          if (!report.ok) process.exitCode = EXIT.FAILURE;
        } finally {
          obj.close();
        }
      }),
    );
  return cmd;
}
