import { resumeRecording } from "../../src/functions/resumeRecording";
import { describeRecordingAction } from "../support/recordingControlFakes";

describeRecordingAction(resumeRecording, "resume");
