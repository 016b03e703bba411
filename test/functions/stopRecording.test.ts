import { stopRecording } from "../../src/functions/stopRecording";
import { describeRecordingAction } from "../support/recordingControlFakes";

describeRecordingAction(stopRecording, "stop");
