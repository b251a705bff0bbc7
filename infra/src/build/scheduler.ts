import * as gcp from "@pulumi/gcp";
import type { SchedulerJobSpec } from "@pgb/broker-utils/instance";
import type { BuildContext } from "./context.js";

export function buildSchedulerJobs(jobs: readonly SchedulerJobSpec[], c: BuildContext): void {
  for (const j of jobs) {
    new gcp.cloudscheduler.Job(
      j.name,
      {
        project: c.project,
        region: j.region,
        name: j.name,
        schedule: j.schedule,
        timeZone: j.timeZone,
        paused: j.paused,
        pubsubTarget: {
          topicName: c.resolve.topics.get(j.topic).id,
          data: Buffer.from(j.data).toString("base64"),
        },
      },
      // Operators pause and resume jobs by hand (a test instance's are created paused).
      c.opts({ ignoreChanges: ["paused"] }),
    );
  }
}
