// Infrastructure for the ACS recording archiver (resource-group scope; azd: `azd up`, see README).
//
// Creates: a user-assigned identity; a Flex Consumption Linux Function App (Node 22) that reaches all
// of its dependencies with that identity; a host storage account (AzureWebJobsStorage, the chunk
// queue, the deployment package); an archive storage account (recordings, rejected-events,
// eventgrid-deadletter) protected by default (versioning, soft delete, lifecycle tiering, optional
// WORM, infrastructure encryption); Key Vault holding the ACS connection string and the participant
// index key; Log Analytics + Application Insights; alerts; optional VNet with private endpoints;
// optional Event Grid topic for archive events; and, in the EXISTING ACS resource's resource group,
// the Event Grid system topic.
//
// The Event Grid SUBSCRIPTION is not in this template: it needs the deployed code (Event Grid
// resolves the recordingEventsGrid function when the subscription is created), so it is created or
// updated by infra/hooks/postdeploy.(sh|ps1) after the code is deployed. One subscription, one story.

targetScope = 'resourceGroup'

// ---------------------------------------------------------------------------------------------
// Parameters
// ---------------------------------------------------------------------------------------------

@minLength(1)
@maxLength(32)
@description('Environment name (azd: AZURE_ENV_NAME). Seeds the unique suffix of resource names and the azd-env-name tag.')
param environmentName string

@description('Region of every regional resource (azd: AZURE_LOCATION). Must offer Flex Consumption. The Event Grid system topic is global, like ACS.')
param location string = resourceGroup().location

@description('Resource id of the EXISTING Azure Communication Services resource: /subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.Communication/communicationServices/<name>. The system topic is created in its resource group.')
param acsResourceId string

@secure()
@description('ACS connection string to store in Key Vault. Empty: read the primary connection string from the ACS resource (listKeys) at deployment time.')
param acsConnectionString string = ''

@description('Write the ACS connection string secret on every deployment. Set false once you manage (rotate) the secret yourself; the app keeps referencing the latest version of the secret.')
param writeAcsSecret bool = true

@secure()
@description('Secret key of the participant index (keyed hashes of participant ids). Written to Key Vault when not empty; the azd preprovision hook generates one once per environment. Pass the SAME value on every deployment: a new key orphans the existing index.')
param participantIndexKey string = ''

@description('Name of the Event Grid system topic on the ACS resource. An ACS resource can have only ONE system topic: if it already has one (for example created by the portal Events blade), pass its name and it is adopted.')
param systemTopicName string = ''

@description('Name of the event subscription that the postdeploy hook creates on the system topic (an output here, not a resource).')
param eventSubscriptionName string = 'recording-archiver'

@allowed([
  'Standard_LRS'
  'Standard_ZRS'
  'Standard_GRS'
  'Standard_GZRS'
  'Standard_RAGRS'
  'Standard_RAGZRS'
])
@description('Replication of the archive storage account.')
param archiveStorageSku string = 'Standard_GRS'

@minLength(3)
@maxLength(63)
@description('Blob container for archived recordings (app setting RECORDINGS_CONTAINER).')
param recordingsContainerName string = 'recordings'

@minLength(3)
@maxLength(56)
@description('Storage queue of recording chunks, in the host storage account (app setting CHUNK_QUEUE). At most 56 characters, so that "<name>-poison" is a valid queue name.')
param chunkQueueName string = 'recording-chunks'

@minValue(1)
@maxValue(8760)
@description('Hours ACS keeps a recording after its event: the archiver\'s hard deadline (app setting RETENTION_HOURS). Today\'s ACS documentation says 24.')
param retentionHours int = 24

@description('Delete the ACS copy once a chunk is archived (app setting DELETE_AFTER_ARCHIVE). Deletes from ACS only; the app never deletes archived blobs.')
param deleteAfterArchive bool = false

@description('Keep previous versions of overwritten or deleted blobs in the archive account (blob versioning).')
param archiveVersioning bool = true

@minValue(0)
@maxValue(146000)
@description('Container-level time-based retention (WORM) on the recordings container, in days; 0 = off. Created UNLOCKED (it can still be shortened or removed); lock it by hand to make it binding (infra/README.md).')
param recordingsImmutabilityDays int = 0

@minValue(1)
@maxValue(365)
@description('Blob and container soft-delete retention on the archive account, in days.')
param blobSoftDeleteDays int = 14

@minValue(0)
@maxValue(36500)
@description('Lifecycle: move recordings (calls/ prefix only) to the Cool tier after this many days since last modification; 0 = never.')
param archiveCoolAfterDays int = 30

@minValue(0)
@maxValue(36500)
@description('Lifecycle: move recordings (calls/ prefix only) to the Cold tier after this many days; 0 = never. Must be more than archiveCoolAfterDays when both are set.')
param archiveColdAfterDays int = 90

@minValue(0)
@maxValue(100)
@description('Lifecycle: delete recordings (calls/ prefix only) this many years after their last modification; 0 = never (default). Under a WORM policy a blob is deleted only once its retention has expired.')
param archiveDeleteAfterYears int = 0

@description('Require infrastructure (double) encryption on the archive account. Only settable when the account is created: set false when redeploying over an archive account created without it.')
param archiveInfrastructureEncryption bool = true

@minValue(1)
@maxValue(30)
@description('Event Grid delivery attempts before an event is dead-lettered (used by the postdeploy hook).')
param eventMaxDeliveryAttempts int = 30

@minValue(1)
@maxValue(1440)
@description('Event Grid event time to live, in minutes, before an undelivered event is dead-lettered (used by the postdeploy hook).')
param eventTimeToLiveInMinutes int = 1440

@allowed([
  '22'
  '24'
])
@description('Node.js version of the Function App. 22 is the default for new Azure Functions apps; 20 reached end of life on 2026-04-30.')
param nodeVersion string = '22'

@allowed([
  2048
  4096
])
@description('Flex Consumption instance memory, in MB.')
param instanceMemoryMB int = 2048

@minValue(1)
@maxValue(1000)
@description('Flex Consumption maximum instance count. Lower it to cap concurrent downloads from ACS.')
param maximumInstanceCount int = 100

@description('Enable Key Vault purge protection (irreversible once on; a deleted vault can then not be purged for 90 days, see keyVaultCreateMode).')
param keyVaultPurgeProtection bool = true

@allowed([
  'default'
  'recover'
])
@description('"recover" re-creates the environment\'s Key Vault from its soft-deleted state (an environment deleted less than 90 days ago). The azd preprovision hook sets it automatically (KEY_VAULT_CREATE_MODE).')
param keyVaultCreateMode string = 'default'

@minValue(30)
@maxValue(730)
@description('Log Analytics retention, in days.')
param logRetentionDays int = 30

@description('E-mail address that receives the alerts (action group). Empty: the alert rules are created without an action group (visible in the portal only).')
param alertEmail string = ''

@description('Put the storage accounts and Key Vault behind private endpoints in a new VNet, with the Function App integrated into it. Event Grid still delivers to the app\'s public endpoint (authenticated with the eventgrid_extension key) and dead-letters through the archive account\'s trusted-service exception.')
param vnetEnabled bool = false

@description('Create an Event Grid topic for archive events (issue 10): the app publishes RecordingArchiver.* events to it with its identity (EventGrid Data Sender). Its endpoint becomes ARCHIVE_EVENTS_ENDPOINT.')
param archiveEventsTopic bool = false

@allowed([
  'EventGrid'
  'CloudEvent'
])
@description('Schema of the archive events topic (ARCHIVE_EVENTS_SCHEMA).')
param archiveEventsSchema string = 'EventGrid'

@description('Destination container URLs (https://<account>.blob.core.windows.net/<container>) ACS writes bring-your-own-storage recordings to (BYOS_STORAGE_ACCOUNTS, comma separated; a whole account is refused). Grant the app identity (output managedIdentityPrincipalId) Storage Blob Data Reader on each yourself.')
param byosStorageAccounts string = ''

@description('Also copy BYOS recordings into the archive container (BYOS_COPY).')
param byosCopy bool = false

// ---------------------------------------------------------------------------------------------
// Names and constants
// ---------------------------------------------------------------------------------------------

// /subscriptions/{0}/resourceGroups/{1}/providers/Microsoft.Communication/communicationServices/{2}
var acsIdSegments = split(acsResourceId, '/')
var acsSubscriptionId = acsIdSegments[2]
var acsResourceGroupName = acsIdSegments[4]
var acsName = acsIdSegments[8]

// Unique per subscription, resource group and environment: two environments never share a name.
var resourceToken = toLower(uniqueString(subscription().id, resourceGroup().id, environmentName))
var tags = {
  'azd-env-name': environmentName
  app: 'acs-recording-archiver'
}

var identityName = 'id-recarch-${resourceToken}'
var planName = 'asp-recarch-${resourceToken}'
var functionAppName = 'func-recarch-${resourceToken}'
var hostStorageName = 'strecfn${resourceToken}'
var archiveStorageName = 'strecarc${resourceToken}'
var keyVaultName = 'kv-recarch-${resourceToken}'
var logAnalyticsName = 'log-recarch-${resourceToken}'
var appInsightsName = 'appi-recarch-${resourceToken}'
var archiveEventsTopicName = 'evgt-recarch-events-${resourceToken}'
var resolvedSystemTopicName = empty(systemTopicName) ? 'evgt-${acsName}' : systemTopicName

var deploymentContainerName = 'app-package-${resourceToken}'
var quarantineContainerName = 'rejected-events' // fixed in the app (src/config/appConfig.ts)
var participantIndexContainerName = 'participant-index' // fixed in the app (src/participants/indexLayout.ts); not under WORM, so erase can remove entries
var deadLetterContainerName = 'eventgrid-deadletter'
var acsSecretName = 'acs-connection-string'
var participantIndexSecretName = 'participant-index-key'
var recordingsEventPrefix = 'calls/' // src/archive/blobLayout.ts: every event-derived blob; operational records live elsewhere

// Built-in role definition ids.
var roles = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
  eventGridDataSender: 'd5a91429-5739-47e2-a06b-3470a27159e7'
}

// Host storage: the Functions host needs blobs (leases, keys, the Flex deployment package) and queues
// (the archiveChunk trigger, the poison queue, the app's own sends). Queue Data Contributor already
// includes every message action, so Queue Data Message Processor is not added. No tables: the
// Node host uses none (Durable Functions would), as in Microsoft's Flex quickstarts.
var hostStorageRoles = [
  roles.storageBlobDataOwner
  roles.storageQueueDataContributor
]

// Archive containers the app writes (recordings incl. archive-failures/, and the quarantine). The
// role is scoped to each container, and a condition removes blob deletion: the app never deletes an
// archived blob (DELETE_AFTER_ARCHIVE deletes from ACS; participant erase is an operator command run
// with the operator's own identity).
var appArchiveContainers = [
  recordingsContainerName
  quarantineContainerName
  participantIndexContainerName
]
// Documented condition shape ("delete blobs only in named containers"), naming a container that
// cannot exist ('~' is not allowed in container names): blob deletion is never granted.
var noBlobDeleteCondition = '((!(ActionMatches{\'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/delete\'})) OR (@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] StringEquals \'~no-container~\'))'

// Lifecycle actions on event-derived recordings only (calls/ prefix); archive-failures/ and other
// operational records stay Hot and are never deleted by the policy.
var lifecycleBaseBlobActions = union(
  archiveCoolAfterDays > 0 ? { tierToCool: { daysAfterModificationGreaterThan: archiveCoolAfterDays } } : {},
  archiveColdAfterDays > 0 ? { tierToCold: { daysAfterModificationGreaterThan: archiveColdAfterDays } } : {},
  archiveDeleteAfterYears > 0 ? { delete: { daysAfterModificationGreaterThan: archiveDeleteAfterYears * 365 } } : {}
)

// ---------------------------------------------------------------------------------------------
// Identity and monitoring
// ---------------------------------------------------------------------------------------------

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: identityName
  location: location
  tags: tags
}

resource logAnalytics 'Microsoft.OperationalInsights/workspaces@2022-10-01' = {
  name: logAnalyticsName
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: logRetentionDays
  }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: appInsightsName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: logAnalytics.id
    DisableLocalAuth: true // telemetry is sent with the identity (APPLICATIONINSIGHTS_AUTHENTICATION_STRING)
  }
}

// ---------------------------------------------------------------------------------------------
// Network (optional)
// ---------------------------------------------------------------------------------------------

module network 'modules/network.bicep' = if (vnetEnabled) {
  name: 'network-${resourceToken}'
  params: {
    location: location
    tags: tags
    vnetName: 'vnet-recarch-${resourceToken}'
  }
}

// ---------------------------------------------------------------------------------------------
// Storage
// ---------------------------------------------------------------------------------------------

var baseStorageProperties = {
  accessTier: 'Hot'
  allowBlobPublicAccess: false
  allowSharedKeyAccess: false // identity only
  allowCrossTenantReplication: false
  defaultToOAuthAuthentication: true
  minimumTlsVersion: 'TLS1_2'
  supportsHttpsTrafficOnly: true
}

// Host storage: AzureWebJobsStorage, the chunk queue and the Flex deployment package.
resource hostStorage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: hostStorageName
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: union(baseStorageProperties, {
    publicNetworkAccess: vnetEnabled ? 'Disabled' : 'Enabled'
    networkAcls: {
      bypass: vnetEnabled ? 'None' : 'AzureServices'
      defaultAction: vnetEnabled ? 'Deny' : 'Allow'
    }
  })
}

// Archive storage: recordings (+ archive-failures/ records), rejected-events, eventgrid-deadletter.
// With a VNet it stays reachable for trusted Azure services only (Event Grid dead-lettering with
// the system topic's identity), and privately for the app.
resource archiveStorage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: archiveStorageName
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: archiveStorageSku
  }
  properties: union(baseStorageProperties, {
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      bypass: 'AzureServices'
      defaultAction: vnetEnabled ? 'Deny' : 'Allow'
    }
    encryption: {
      keySource: 'Microsoft.Storage'
      requireInfrastructureEncryption: archiveInfrastructureEncryption
      services: {
        blob: {
          enabled: true
          keyType: 'Account'
        }
      }
    }
  })
}

resource archiveBlobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: archiveStorage
  name: 'default'
  properties: {
    isVersioningEnabled: archiveVersioning
    deleteRetentionPolicy: {
      enabled: true
      days: blobSoftDeleteDays
    }
    containerDeleteRetentionPolicy: {
      enabled: true
      days: blobSoftDeleteDays
    }
  }
}

resource recordingsContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: archiveBlobService
  name: recordingsContainerName
  properties: {
    publicAccess: 'None'
  }
}

// Container-level WORM. The app writes each blob once, with all its metadata in the one commit,
// so it works under a time-based retention policy. Created unlocked; see infra/README.md to lock it.
resource recordingsImmutability 'Microsoft.Storage/storageAccounts/blobServices/containers/immutabilityPolicies@2023-05-01' = if (recordingsImmutabilityDays > 0) {
  parent: recordingsContainer
  name: 'default'
  properties: {
    immutabilityPeriodSinceCreationInDays: recordingsImmutabilityDays
    allowProtectedAppendWrites: false
  }
}

resource quarantineContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: archiveBlobService
  name: quarantineContainerName
  properties: {
    publicAccess: 'None'
  }
}

resource participantIndexContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: archiveBlobService
  name: participantIndexContainerName
  properties: {
    publicAccess: 'None'
  }
}

resource deadLetterContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: archiveBlobService
  name: deadLetterContainerName
  properties: {
    publicAccess: 'None'
  }
}

// Tiering (and optional deletion) of event-derived recordings only (calls/ prefix).
var recordingsTieringRule = {
  name: 'recordings-tiering'
  enabled: true
  type: 'Lifecycle'
  definition: {
    filters: {
      blobTypes: [
        'blockBlob'
      ]
      prefixMatch: [
        '${recordingsContainerName}/${recordingsEventPrefix}'
      ]
    }
    actions: {
      baseBlob: lifecycleBaseBlobActions
    }
  }
}

// The deadline watch's markers (src/catalog/deadlineMarkers.ts) matter only until their hour has passed: the
// platform removes them after a week (the app itself has no delete rights). Immutable blobs are skipped.
var deadlineMarkersRule = {
  name: 'deadline-markers-cleanup'
  enabled: true
  type: 'Lifecycle'
  definition: {
    filters: {
      blobTypes: [
        'blockBlob'
      ]
      prefixMatch: [
        '${recordingsContainerName}/archive-deadlines/'
      ]
    }
    actions: {
      baseBlob: {
        delete: {
          daysAfterModificationGreaterThan: 7
        }
      }
    }
  }
}

resource archiveLifecycle 'Microsoft.Storage/storageAccounts/managementPolicies@2023-05-01' = {
  parent: archiveStorage
  name: 'default'
  properties: {
    policy: {
      rules: concat(empty(lifecycleBaseBlobActions) ? [] : [recordingsTieringRule], [deadlineMarkersRule])
    }
  }
  dependsOn: [
    recordingsContainer
  ]
}

resource hostBlobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: hostStorage
  name: 'default'
}

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: hostBlobService
  name: deploymentContainerName
  properties: {
    publicAccess: 'None'
  }
}

resource hostQueueService 'Microsoft.Storage/storageAccounts/queueServices@2023-05-01' = {
  parent: hostStorage
  name: 'default'
}

resource chunkQueue 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' = {
  parent: hostQueueService
  name: chunkQueueName
}

module hostBlobEndpoint 'modules/private-endpoint.bicep' = if (vnetEnabled) {
  name: 'pe-host-blob-${resourceToken}'
  params: {
    location: location
    tags: tags
    name: 'pe-${hostStorageName}-blob'
    subnetId: network.outputs.privateEndpointSubnetId
    targetResourceId: hostStorage.id
    groupId: 'blob'
    privateDnsZoneId: network.outputs.blobDnsZoneId
  }
}

module hostQueueEndpoint 'modules/private-endpoint.bicep' = if (vnetEnabled) {
  name: 'pe-host-queue-${resourceToken}'
  params: {
    location: location
    tags: tags
    name: 'pe-${hostStorageName}-queue'
    subnetId: network.outputs.privateEndpointSubnetId
    targetResourceId: hostStorage.id
    groupId: 'queue'
    privateDnsZoneId: network.outputs.queueDnsZoneId
  }
}

module archiveBlobEndpoint 'modules/private-endpoint.bicep' = if (vnetEnabled) {
  name: 'pe-archive-blob-${resourceToken}'
  params: {
    location: location
    tags: tags
    name: 'pe-${archiveStorageName}-blob'
    subnetId: network.outputs.privateEndpointSubnetId
    targetResourceId: archiveStorage.id
    groupId: 'blob'
    privateDnsZoneId: network.outputs.blobDnsZoneId
  }
}

// ---------------------------------------------------------------------------------------------
// Key Vault: the ACS connection string and the participant index key, read by the app through
// Key Vault references.
// ---------------------------------------------------------------------------------------------

resource acs 'Microsoft.Communication/communicationServices@2023-04-01' existing = {
  name: acsName
  scope: resourceGroup(acsSubscriptionId, acsResourceGroupName)
}

// The name is unique per environment (resourceToken). Re-creating the SAME environment within the
// 90-day soft-delete window meets its own deleted vault: keyVaultCreateMode 'recover' brings it back
// (the azd preprovision hook detects this and sets KEY_VAULT_CREATE_MODE); `azd down --purge`
// purges it instead when purge protection is off.
resource keyVault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: keyVaultName
  location: location
  tags: tags
  properties: {
    tenantId: tenant().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    createMode: keyVaultCreateMode
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    enablePurgeProtection: keyVaultPurgeProtection ? true : null // false is rejected: leave it out
    publicNetworkAccess: vnetEnabled ? 'Disabled' : 'Enabled'
    networkAcls: {
      bypass: 'AzureServices'
      defaultAction: vnetEnabled ? 'Deny' : 'Allow'
    }
  }
}

resource acsSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (writeAcsSecret) {
  parent: keyVault
  name: acsSecretName
  properties: {
    contentType: 'ACS connection string'
    value: !empty(acsConnectionString) ? acsConnectionString : acs.listKeys().primaryConnectionString
  }
}

resource participantIndexSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(participantIndexKey)) {
  parent: keyVault
  name: participantIndexSecretName
  properties: {
    contentType: 'Participant index HMAC key'
    value: participantIndexKey
  }
}

module keyVaultEndpoint 'modules/private-endpoint.bicep' = if (vnetEnabled) {
  name: 'pe-keyvault-${resourceToken}'
  params: {
    location: location
    tags: tags
    name: 'pe-${keyVaultName}'
    subnetId: network.outputs.privateEndpointSubnetId
    targetResourceId: keyVault.id
    groupId: 'vault'
    privateDnsZoneId: network.outputs.keyVaultDnsZoneId
  }
}

// ---------------------------------------------------------------------------------------------
// Archive events topic (optional, issue 10)
// ---------------------------------------------------------------------------------------------

resource archiveEvents 'Microsoft.EventGrid/topics@2025-02-15' = if (archiveEventsTopic) {
  name: archiveEventsTopicName
  location: location
  tags: tags
  properties: {
    inputSchema: archiveEventsSchema == 'CloudEvent' ? 'CloudEventSchemaV1_0' : 'EventGridSchema'
    disableLocalAuth: true // the app publishes with its identity; no ARCHIVE_EVENTS_KEY
    publicNetworkAccess: 'Enabled'
  }
}

// ---------------------------------------------------------------------------------------------
// Role assignments for the app's identity
// ---------------------------------------------------------------------------------------------

resource hostStorageRoleAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for roleId in hostStorageRoles: {
    name: guid(hostStorage.id, identity.id, roleId)
    scope: hostStorage
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleId)
      principalId: identity.properties.principalId
      principalType: 'ServicePrincipal'
    }
  }
]

resource appArchiveContainerRefs 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' existing = [
  for containerName in appArchiveContainers: {
    parent: archiveBlobService
    name: containerName
  }
]

// Read, write and create blobs in the app's own archive containers; no blob deletion (condition).
resource appArchiveWriter 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for (containerName, i) in appArchiveContainers: {
    name: guid(archiveStorage.id, containerName, identity.id, roles.storageBlobDataContributor)
    scope: appArchiveContainerRefs[i]
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataContributor)
      principalId: identity.properties.principalId
      principalType: 'ServicePrincipal'
      description: 'Recording archiver: write archived blobs; deleting blobs is excluded by the condition.'
      condition: noBlobDeleteCondition
      conditionVersion: '2.0'
    }
    dependsOn: [
      recordingsContainer
      quarantineContainer
      participantIndexContainer
    ]
  }
]

resource keyVaultSecretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(keyVault.id, identity.id, roles.keyVaultSecretsUser)
  scope: keyVault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsUser)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

resource metricsPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(appInsights.id, identity.id, roles.monitoringMetricsPublisher)
  scope: appInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.monitoringMetricsPublisher)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

resource archiveEventsSender 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (archiveEventsTopic) {
  name: guid(resourceGroup().id, archiveEventsTopicName, identity.id, roles.eventGridDataSender)
  scope: archiveEvents
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.eventGridDataSender)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

// ---------------------------------------------------------------------------------------------
// Function App (Flex Consumption, Linux)
// ---------------------------------------------------------------------------------------------

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    tier: 'FlexConsumption'
    name: 'FC1'
  }
  properties: {
    reserved: true // Linux
  }
}

// Every name here must be listed in src/config/settingNames.ts (test/infra/appSettings.test.ts).
// Flex Consumption takes the runtime from functionAppConfig: no FUNCTIONS_WORKER_RUNTIME,
// FUNCTIONS_EXTENSION_VERSION or WEBSITE_RUN_FROM_PACKAGE. Storage endpoints come from the
// accounts' primaryEndpoints, so sovereign clouds get their own host names.
var coreAppSettings = [
  // Host storage, identity-based (also the archiveChunk queue trigger and the app's queue client).
  {
    name: 'AzureWebJobsStorage__blobServiceUri'
    value: hostStorage.properties.primaryEndpoints.blob
  }
  {
    name: 'AzureWebJobsStorage__queueServiceUri'
    value: hostStorage.properties.primaryEndpoints.queue
  }
  {
    name: 'AzureWebJobsStorage__credential'
    value: 'managedidentity'
  }
  {
    name: 'AzureWebJobsStorage__clientId'
    value: identity.properties.clientId
  }
  // Archive storage, identity-based.
  {
    name: 'RECORDINGS_STORAGE__blobServiceUri'
    value: archiveStorage.properties.primaryEndpoints.blob
  }
  {
    name: 'RECORDINGS_STORAGE__credential'
    value: 'managedidentity'
  }
  {
    name: 'RECORDINGS_STORAGE__clientId'
    value: identity.properties.clientId
  }
  {
    name: 'RECORDINGS_CONTAINER'
    value: recordingsContainerName
  }
  {
    name: 'CHUNK_QUEUE'
    value: chunkQueueName
  }
  // ACS: the connection string from Key Vault (latest version), and the one resource whose events
  // are accepted.
  {
    name: 'ACS_CONNECTION_STRING'
    value: '@Microsoft.KeyVault(SecretUri=${keyVault.properties.vaultUri}secrets/${acsSecretName})'
  }
  {
    name: 'ALLOWED_ACS_RESOURCES'
    value: acsResourceId
  }
  {
    name: 'RETENTION_HOURS'
    value: string(retentionHours)
  }
  {
    name: 'DELETE_AFTER_ARCHIVE'
    value: deleteAfterArchive ? 'true' : 'false'
  }
  // The user-assigned identity for SDK clients built with DefaultAzureCredential (archive events, BYOS).
  {
    name: 'AZURE_CLIENT_ID'
    value: identity.properties.clientId
  }
  // Application Insights with Entra ID authentication (local auth is disabled).
  {
    name: 'APPLICATIONINSIGHTS_CONNECTION_STRING'
    value: appInsights.properties.ConnectionString
  }
  {
    name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING'
    value: 'ClientId=${identity.properties.clientId};Authorization=AAD'
  }
  {
    name: 'BYOS_COPY'
    value: byosCopy ? 'true' : 'false'
  }
]

var participantIndexSettings = empty(participantIndexKey) ? [] : [
  {
    name: 'PARTICIPANT_INDEX_KEY'
    value: '@Microsoft.KeyVault(SecretUri=${keyVault.properties.vaultUri}secrets/${participantIndexSecretName})'
  }
]

var byosSettings = empty(byosStorageAccounts) ? [] : [
  {
    name: 'BYOS_STORAGE_ACCOUNTS'
    value: byosStorageAccounts
  }
]

var archiveEventsSettings = !archiveEventsTopic ? [] : [
  {
    name: 'ARCHIVE_EVENTS_ENDPOINT'
    value: archiveEvents!.properties.endpoint
  }
  {
    name: 'ARCHIVE_EVENTS_SCHEMA'
    value: archiveEventsSchema
  }
]

var appSettings = concat(coreAppSettings, participantIndexSettings, byosSettings, archiveEventsSettings)

// Created after its role assignments and secrets exist. Role assignments still take minutes to
// propagate, and App Service caches a Key Vault reference that failed to resolve: the postdeploy
// hook refreshes the references and restarts the app once they resolve (see README).
resource functionApp 'Microsoft.Web/sites@2024-04-01' = {
  name: functionAppName
  location: location
  tags: union(tags, { 'azd-service-name': 'api' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identity.id}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    publicNetworkAccess: 'Enabled' // Event Grid delivers to the public endpoint (system key)
    keyVaultReferenceIdentity: identity.id
    virtualNetworkSubnetId: vnetEnabled ? network.outputs.appSubnetId : null
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      appSettings: appSettings
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${hostStorage.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identity.id
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
      }
      runtime: {
        name: 'node'
        version: nodeVersion
      }
    }
  }
  dependsOn: [
    hostStorageRoleAssignments
    appArchiveWriter
    keyVaultSecretsUser
    metricsPublisher
    archiveEventsSender
    acsSecret
    participantIndexSecret
    deploymentContainer
    chunkQueue
    hostBlobEndpoint
    hostQueueEndpoint
    archiveBlobEndpoint
    keyVaultEndpoint
  ]
}

// Basic-auth (publishing profile) credentials off: deployments use Entra ID.
resource ftpBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: functionApp
  name: 'ftp'
  properties: {
    allow: false
  }
}

resource scmBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: functionApp
  name: 'scm'
  properties: {
    allow: false
  }
}

// ---------------------------------------------------------------------------------------------
// Event Grid: system topic on the existing ACS resource (the subscription: postdeploy hook)
// ---------------------------------------------------------------------------------------------

module acsSystemTopic 'modules/acs-system-topic.bicep' = {
  name: 'acs-system-topic-${resourceToken}'
  scope: resourceGroup(acsSubscriptionId, acsResourceGroupName)
  params: {
    name: resolvedSystemTopicName
    acsResourceId: acsResourceId
    logAnalyticsWorkspaceId: logAnalytics.id
    tags: {
      app: 'acs-recording-archiver'
    }
  }
}

// The system topic's identity writes undeliverable events into eventgrid-deadletter (only there).
resource deadLetterWriter 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(deadLetterContainer.id, acsResourceId, resolvedSystemTopicName, roles.storageBlobDataContributor)
  scope: deadLetterContainer
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataContributor)
    principalId: acsSystemTopic.outputs.principalId
    principalType: 'ServicePrincipal'
  }
}

// ---------------------------------------------------------------------------------------------
// Diagnostics and alerts
// ---------------------------------------------------------------------------------------------

resource keyVaultDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: keyVault
  properties: {
    workspaceId: logAnalytics.id
    logs: [
      {
        categoryGroup: 'audit'
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

// Writes and deletes in the archive (who changed what); reads are not logged (volume).
resource archiveBlobDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: archiveBlobService
  properties: {
    workspaceId: logAnalytics.id
    logs: [
      {
        category: 'StorageWrite'
        enabled: true
      }
      {
        category: 'StorageDelete'
        enabled: true
      }
    ]
    metrics: [
      {
        category: 'Transaction'
        enabled: true
      }
    ]
  }
}

resource archiveAccountDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: archiveStorage
  properties: {
    workspaceId: logAnalytics.id
    metrics: [
      {
        category: 'Transaction'
        enabled: true
      }
    ]
  }
}

module alerts 'modules/alerts.bicep' = {
  name: 'alerts-${resourceToken}'
  params: {
    namePrefix: 'recarch-${resourceToken}'
    tags: tags
    alertEmail: alertEmail
    appInsightsId: appInsights.id
    location: location
    systemTopicId: acsSystemTopic.outputs.id
  }
}

// ---------------------------------------------------------------------------------------------
// Outputs (azd stores them in the environment; the hooks read them)
// ---------------------------------------------------------------------------------------------

output AZURE_FUNCTION_APP_NAME string = functionApp.name
output AZURE_FUNCTION_APP_ID string = functionApp.id
output AZURE_FUNCTION_APP_HOSTNAME string = functionApp.properties.defaultHostName
output AZURE_KEY_VAULT_NAME string = keyVault.name
output AZURE_MANAGED_IDENTITY_CLIENT_ID string = identity.properties.clientId
output AZURE_MANAGED_IDENTITY_PRINCIPAL_ID string = identity.properties.principalId
output HOST_STORAGE_ACCOUNT_NAME string = hostStorage.name
output ARCHIVE_STORAGE_ACCOUNT_NAME string = archiveStorage.name
output APPLICATIONINSIGHTS_NAME string = appInsights.name
output ARCHIVE_EVENTS_ENDPOINT string = archiveEventsTopic ? archiveEvents!.properties.endpoint : ''
// The event subscription the postdeploy hook creates or updates (Azure Function destination).
output EVENTGRID_SYSTEM_TOPIC_ID string = acsSystemTopic.outputs.id
output EVENTGRID_SUBSCRIPTION_NAME string = eventSubscriptionName
output EVENTGRID_FUNCTION_NAME string = 'recordingEventsGrid'
output EVENTGRID_DEADLETTER_STORAGE_ID string = archiveStorage.id
output EVENTGRID_DEADLETTER_CONTAINER string = deadLetterContainerName
output EVENTGRID_MAX_DELIVERY_ATTEMPTS int = eventMaxDeliveryAttempts
output EVENTGRID_EVENT_TTL_MINUTES int = eventTimeToLiveInMinutes
