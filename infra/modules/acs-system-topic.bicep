// Event Grid system topic on an existing Azure Communication Services resource. Deployed into the
// ACS resource's resource group. An ACS resource can have only one system topic: declaring an
// existing one by name adopts it (its identity is turned on and its tags are replaced).
// The event subscription is NOT declared here: infra/hooks/postdeploy.(sh|ps1) creates or updates
// it once the function code is deployed.

@description('Name of the system topic.')
param name string

@description('Resource id of the Azure Communication Services resource (the event source).')
param acsResourceId string

@description('Log Analytics workspace that receives the topic\'s delivery-failure logs and metrics.')
param logAnalyticsWorkspaceId string

param tags object = {}

resource systemTopic 'Microsoft.EventGrid/systemTopics@2025-02-15' = {
  name: name
  location: 'global' // ACS is a global resource, so is its system topic
  tags: tags
  identity: {
    type: 'SystemAssigned' // used for dead-lettering into the archive storage account
  }
  properties: {
    source: acsResourceId
    topicType: 'Microsoft.Communication.CommunicationServices'
  }
}

// Delivery failures (why an event was not delivered) and the delivery/dead-letter metrics.
resource topicDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: systemTopic
  properties: {
    workspaceId: logAnalyticsWorkspaceId
    logs: [
      {
        categoryGroup: 'allLogs'
        enabled: true
      }
    ]
    metrics: [
      {
        category: 'AllMetrics'
        enabled: true
      }
    ]
  }
}

output name string = systemTopic.name
output id string = systemTopic.id
output principalId string = systemTopic.identity.principalId
