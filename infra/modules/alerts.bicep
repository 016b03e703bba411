// Alerts that tell an operator a recording may be at risk:
// - the poison queue is not empty (the rescuePoisonedChunk function ran: a chunk failed 5 times),
// - chunks failing to archive, and event deliveries the app refused or failed,
// - the deadline watch finds chunks near their deadline (its warning line), or its runs fail,
// - Event Grid dead-lettered, dropped, or failed to deliver events (system topic metrics),
// - destructive control-plane operations on the archive account (activity log).
// Invocation alerts query the host's invocation records: `requests` (the default telemetry mode) or, with
// host.json telemetryMode OpenTelemetry, the invocation spans, which the exporter may file under `dependencies`;
// both are searched. The deadline alert reads the app's own log line (`traces`). With alertEmail empty the
// rules exist without an action group (they show in the portal's Alerts view).

param namePrefix string
param location string
param tags object = {}
param alertEmail string = ''
param appInsightsId string
param systemTopicId string

@description('The archive storage account: control-plane deletions and policy or role changes on it raise an activity-log alert.')
param archiveStorageId string

@description('Failed archiveChunk invocations tolerated in 15 minutes before alerting (each is retried; a few are normal when ACS is slow).')
param archiveFailureThreshold int = 5

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = if (!empty(alertEmail)) {
  name: 'ag-${namePrefix}'
  location: 'Global'
  tags: tags
  properties: {
    groupShortName: 'recarchive'
    enabled: true
    emailReceivers: [
      {
        name: 'operator'
        emailAddress: alertEmail
        useCommonAlertSchema: true
      }
    ]
  }
}

var actionGroupIds = empty(alertEmail) ? [] : [
  actionGroup.id
]

// Function invocations, whichever table the host's telemetry mode files them in.
var invocations = 'union isfuzzy=true requests, dependencies'

// The deadline watch (src/catalog/deadlineWatch.ts) logs one line per run starting with this prefix, as a warning
// when chunks are near their deadline (or statuses were unreadable, or the listing was truncated); other warnings of
// the watch start with it too. Only this prefix is relied on.
var deadlineWatchPrefix = 'Deadline watch:'

var logAlerts = [
  {
    name: 'poison-queue-not-empty'
    description: 'A chunk message reached the poison queue (5 failed attempts). rescuePoisonedChunk re-queues it or records it under archive-failures/; check both before the retention deadline.'
    severity: 1
    query: '${invocations} | where name == "rescuePoisonedChunk"'
    threshold: 0
  }
  {
    name: 'archive-failures'
    description: 'archiveChunk invocations are failing (each is retried, then poisoned). See the exceptions for the chunk keys.'
    severity: 2
    query: '${invocations} | where name == "archiveChunk" and success == false'
    threshold: archiveFailureThreshold
  }
  {
    name: 'event-deliveries-failing'
    description: 'The app refused or failed recording event deliveries (Event Grid retries them, then dead-letters them).'
    severity: 2
    query: '${invocations} | where name in ("recordingEventsGrid", "recordingEventsWebhook") and success == false'
    threshold: 0
  }
  {
    name: 'chunk-deadline-at-risk'
    description: 'The deadline watch found chunks not archived with a quarter of their retention window or less left (RecordingDeadlineAtRisk), or could not read or list everything it should watch. Archive them (archive CLI) before ACS deletes them.'
    severity: 1
    query: 'traces | where message startswith "${deadlineWatchPrefix}" and severityLevel >= 2'
    threshold: 0
  }
  {
    name: 'deadline-watch-failing'
    description: 'watchDeadlines runs are failing: nobody is watching the retention deadlines. See the exceptions.'
    severity: 1
    query: '${invocations} | where name == "watchDeadlines" and success == false'
    threshold: 0
  }
]

resource logAlertRules 'Microsoft.Insights/scheduledQueryRules@2022-06-15' = [
  for alert in logAlerts: {
    name: '${namePrefix}-${alert.name}'
    location: location
    tags: tags
    kind: 'LogAlert'
    properties: {
      displayName: 'Recording archiver: ${alert.name}'
      description: alert.description
      severity: alert.severity
      enabled: true
      evaluationFrequency: 'PT5M'
      windowSize: 'PT15M'
      scopes: [
        appInsightsId
      ]
      criteria: {
        allOf: [
          {
            query: alert.query
            timeAggregation: 'Count'
            operator: 'GreaterThan'
            threshold: alert.threshold
            failingPeriods: {
              numberOfEvaluationPeriods: 1
              minFailingPeriodsToAlert: 1
            }
          }
        ]
      }
      autoMitigate: true
      actions: {
        actionGroups: actionGroupIds
      }
    }
  }
]

var topicAlerts = [
  {
    name: 'eventgrid-dead-lettered'
    description: 'Event Grid dead-lettered recording events (see the eventgrid-deadletter container; replay them with the archive CLI).'
    severity: 1
    metricName: 'DeadLetteredCount'
  }
  {
    name: 'eventgrid-dropped'
    description: 'Event Grid dropped recording events (not delivered and not dead-lettered).'
    severity: 1
    metricName: 'DroppedEventCount'
  }
  {
    name: 'eventgrid-delivery-failing'
    description: 'Event Grid delivery attempts to the archiver are failing (retried up to the subscription retry policy).'
    severity: 2
    metricName: 'DeliveryAttemptFailCount'
  }
]

resource topicAlertRules 'Microsoft.Insights/metricAlerts@2018-03-01' = [
  for alert in topicAlerts: {
    name: '${namePrefix}-${alert.name}'
    location: 'global'
    tags: tags
    properties: {
      description: alert.description
      severity: alert.severity
      enabled: true
      scopes: [
        systemTopicId
      ]
      evaluationFrequency: 'PT5M'
      windowSize: 'PT15M'
      autoMitigate: true
      criteria: {
        'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
        allOf: [
          {
            criterionType: 'StaticThresholdCriterion'
            name: alert.metricName
            metricNamespace: 'Microsoft.EventGrid/systemTopics'
            metricName: alert.metricName
            operator: 'GreaterThan'
            threshold: 0
            timeAggregation: 'Total'
          }
        ]
      }
      actions: [
        for id in actionGroupIds: {
          actionGroupId: id
        }
      ]
    }
  }
]

// Destructive control-plane operations on the archive (activity log): the account or a container deleted (tried:
// the delete lock refuses it, the attempt is still logged), immutability or lifecycle policies changed or removed,
// the delete lock removed, role assignments written or deleted. A deployment (azd provision) re-applies the lifecycle
// policy and the role assignments, so it raises this alert too: expected after a deployment you ran.
var archiveOperations = [
  'Microsoft.Storage/storageAccounts/delete'
  'Microsoft.Storage/storageAccounts/blobServices/containers/delete'
  'Microsoft.Storage/storageAccounts/blobServices/containers/immutabilityPolicies/write'
  'Microsoft.Storage/storageAccounts/blobServices/containers/immutabilityPolicies/delete'
  'Microsoft.Storage/storageAccounts/blobServices/containers/immutabilityPolicies/extend/action'
  'Microsoft.Storage/storageAccounts/blobServices/containers/immutabilityPolicies/lock/action'
  'Microsoft.Storage/storageAccounts/managementPolicies/write'
  'Microsoft.Storage/storageAccounts/managementPolicies/delete'
  'Microsoft.Authorization/locks/delete'
  'Microsoft.Authorization/roleAssignments/write'
  'Microsoft.Authorization/roleAssignments/delete'
]

resource archiveActivityAlert 'Microsoft.Insights/activityLogAlerts@2020-10-01' = {
  name: '${namePrefix}-archive-control-plane'
  location: 'Global'
  tags: tags
  properties: {
    description: 'Someone deleted, or changed the protection of, the recording archive (account, containers, immutability or lifecycle policy, delete lock, role assignments).'
    enabled: true
    scopes: [
      archiveStorageId
    ]
    condition: {
      allOf: [
        {
          field: 'category'
          equals: 'Administrative'
        }
        {
          anyOf: [
            for operation in archiveOperations: {
              field: 'operationName'
              equals: operation
            }
          ]
        }
      ]
    }
    actions: {
      actionGroups: [
        for id in actionGroupIds: {
          actionGroupId: id
        }
      ]
    }
  }
}
