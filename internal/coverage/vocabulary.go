package coverage

// IneligibleReasons are the reasons a node is not eligible, in the order the controller checks them.
var IneligibleReasons = []Reason{ReasonNodeName, ReasonNodeSelector, ReasonNodeAffinity, ReasonUntoleratedTaint}

// Reasons is the whole closed vocabulary, as documented for users.
var Reasons = []Reason{
	ReasonNodeName, ReasonNodeSelector, ReasonNodeAffinity, ReasonUntoleratedTaint,
	ReasonNodeNotReady,
	ReasonPodMissing, ReasonUnschedulable, ReasonPodPending, ReasonImagePull, ReasonCrashLoop,
	ReasonContainerNotReady, ReasonPodFailed, ReasonMinReadySeconds, ReasonOldRevision, ReasonAdoptedPod, ReasonTerminating,
}
